"""How the gateway's processes log: Bodega at ``LOG_LEVEL`` (INFO), the libraries' internals at
WARNING, one line per record with the time of day.

At INFO a terminal running ``make run`` shows what a person wants to follow: one line per USSD
hop (``gateway.ussd.hop``), per SMS received (``gateway.sms.inbox``) and per SMS the console outbox
"sent" (``gateway.transports.console``), numbers masked. RQ's per-job chatter, granian's and the
HTTP clients' are WARNING and up only (``QUIET``).
"""

from __future__ import annotations

import logging
import os

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
DATE_FORMAT = "%H:%M:%S"
# Libraries that log at INFO on every job, request or connection.
QUIET = ("rq", "rq.worker", "rq.scheduler", "rq.queue", "rq.job", "_granian", "granian", "granian.access",
         "urllib3", "requests", "werkzeug", "africastalking", "alembic")


def bodega_level() -> int:
    """``LOG_LEVEL`` (a name such as DEBUG, INFO, WARNING), INFO when unset or unknown."""
    name = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
    level = logging.getLevelName(name)
    return level if isinstance(level, int) else logging.INFO


def library_level() -> int:
    """WARNING, unless ``LOG_LEVEL`` asks for DEBUG (then the libraries talk too)."""
    return logging.DEBUG if bodega_level() <= logging.DEBUG else logging.WARNING


def configure_logging() -> None:
    """Set the root handler once per process and quieten the libraries (idempotent)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format=FORMAT, datefmt=DATE_FORMAT)
    root.setLevel(bodega_level())
    for name in QUIET:
        logging.getLogger(name).setLevel(library_level())


def one_line(text: str, limit: int = 120) -> str:
    """``text`` on one log line: line breaks shown as `` / ``, cut at ``limit`` characters."""
    flat = " / ".join(part.strip() for part in text.splitlines() if part.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
