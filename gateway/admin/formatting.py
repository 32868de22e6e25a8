"""Jinja filters for the console: money, masked phones, UTC times, audit actors."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from gateway.commerce.money import format_money
from gateway.core.phone import mask


def when(value: datetime | None, seconds: bool = False) -> str:
    """A UTC time as ``2026-11-23 12:40`` (SQLite hands back naive values: they are UTC)."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def actor(value: str) -> str:
    """Who did it: a phone number is masked; ``admin:jane`` and ``system`` are shown as they are."""
    return mask(value) if value.startswith("+") else value


def install(app: Flask) -> None:
    app.jinja_env.filters.update(money=format_money, masked=mask, when=when, actor=actor)
