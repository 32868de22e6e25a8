"""How the gateway's processes log: Bodega at ``LOG_LEVEL`` (INFO), the libraries' internals at
WARNING, one line per record with the time of day.

At INFO a terminal running ``make run`` shows what a person wants to follow: one line per USSD
hop (``gateway.ussd.hop``), per SMS received (``gateway.sms.inbox``) and per SMS the console outbox
"sent" (``gateway.transports.console``), numbers masked. RQ's per-job chatter, granian's and the
HTTP clients' are WARNING and up only (``QUIET``).
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
DATE_FORMAT = "%H:%M:%S"
# Libraries that log at INFO on every job, request or connection.
QUIET = ("rq", "rq.worker", "rq.scheduler", "rq.queue", "rq.job", "_granian", "granian", "granian.access",
         "urllib3", "requests", "werkzeug", "africastalking", "alembic")


def bodega_level(name: str) -> int:
    """The level called ``name`` (DEBUG, INFO, WARNING ..., any case); ``ValueError`` for another word."""
    level = logging.getLevelName(name.strip().upper())
    if not isinstance(level, int):
        raise ValueError("not a log level (DEBUG, INFO, WARNING, ERROR)")
    return level


def library_level(name: str) -> int:
    """WARNING, unless ``name`` is DEBUG (then the libraries talk too)."""
    return logging.DEBUG if bodega_level(name) <= logging.DEBUG else logging.WARNING


def configure_logging(name: str) -> None:
    """Set the root handler once per process at level ``name`` (``LOG_LEVEL``) and quieten the
    libraries (idempotent)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format=FORMAT, datefmt=DATE_FORMAT)
    root.setLevel(bodega_level(name))
    for logger in QUIET:
        logging.getLogger(logger).setLevel(library_level(name))


def one_line(text: str, limit: int = 120) -> str:
    """``text`` on one log line: line breaks shown as `` / ``, cut at ``limit`` characters."""
    flat = " / ".join(part.strip() for part in text.splitlines() if part.strip())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
