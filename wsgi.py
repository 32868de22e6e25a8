"""The web server's entry point: ``granian --interface wsgi wsgi:app`` (or ``gunicorn wsgi:app``).

Once the app is built, its objects (modules, config, the menu registry, the catalog's first
snapshot) live as long as the process: ``gc.freeze()`` moves them out of the collector's sight, so
a hop's garbage collections stop re-walking them (``GC_FREEZE=0`` turns it off; README
"Performance" has the measurements).
"""

import gc
import os

from gateway.app import create_app

app = create_app()

if os.environ.get("GC_FREEZE", "1") != "0":
    gc.collect()
    gc.freeze()
