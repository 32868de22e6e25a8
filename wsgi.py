"""The web server's entry point: ``granian --interface wsgi wsgi:app`` (or ``gunicorn wsgi:app``).

``GC_FREEZE=1`` calls ``gc.freeze()`` once the app is built, moving its long-lived objects
(modules, config, the menu registry) out of the collector's sight. It is off by default: in
back-to-back runs it did not win repeatably (README "Performance").
"""

import gc
import os

from gateway.app import create_app

app = create_app()

if os.environ.get("GC_FREEZE") == "1":
    gc.collect()
    gc.freeze()
