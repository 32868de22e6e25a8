"""Jinja filters for the console: money, masked phones, local times, audit actors.

Times are stored in UTC and shown in ``TIMEZONE`` (the console's zone, named in the page footer).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from flask import Flask

from config.timezones import zone
from gateway.commerce.money import format_money
from gateway.core.app_context import runtime
from gateway.core.phone import mask
from gateway.transports.ussd_json import provider_of


def console_zone() -> tzinfo:
    """The zone the console shows times and days in (``TIMEZONE``)."""
    return zone(runtime().settings.TIMEZONE)


def when(value: datetime | None, seconds: bool = False, where: tzinfo = UTC) -> str:
    """A stored time as ``2026-11-23 15:40`` in ``where`` (SQLite hands back naive values: UTC)."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(where).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def local_when(where: tzinfo) -> Callable[..., str]:
    """The ``when`` filter bound to the console's zone."""
    def _when(value: datetime | None, seconds: bool = False) -> str:
        return when(value, seconds, where)
    return _when


def actor(value: str) -> str:
    """Who did it: a phone number is masked; ``admin:jane`` and ``system`` are shown as they are."""
    return mask(value) if value.startswith("+") else value


def install(app: Flask, zone_name: str) -> None:
    app.jinja_env.filters.update(money=format_money, masked=mask, when=local_when(zone(zone_name)),
                                 actor=actor,
                                 ussd_provider=provider_of)
    app.jinja_env.globals["console_zone_name"] = zone_name
