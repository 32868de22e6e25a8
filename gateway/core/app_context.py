"""How request code reaches the process's ``Runtime`` (set up by ``create_app``)."""

from __future__ import annotations

from flask import current_app

from gateway.core.runtime import Runtime


def runtime() -> Runtime:
    rt: Runtime = current_app.extensions["bodega"]
    return rt
