"""Which SMS transport this process uses: the console when ``SMS_PROVIDER=console`` or
``AT_USERNAME`` is unset (production refuses the latter: ``config.settings``), else AT."""

from __future__ import annotations

from typing import Any

from gateway.transports.africastalking_sms import AfricasTalkingSms
from gateway.transports.base import SmsTransport
from gateway.transports.console import ConsoleSms

EXTRA_KEY = "sms_transport"


def build_sms_transport(settings: dict[str, Any]) -> SmsTransport:
    """The transport the settings ask for. AT needs ``AT_API_KEY`` too (``RuntimeError`` if not)."""
    username = settings.get("AT_USERNAME")
    if not username or settings.get("SMS_PROVIDER") == "console":
        return ConsoleSms()
    api_key = settings.get("AT_API_KEY")
    if not api_key:
        raise RuntimeError("AT_USERNAME is set but AT_API_KEY is not")
    read_timeout = float(settings.get("AT_TIMEOUT_SECONDS") or 10)
    return AfricasTalkingSms(str(username), str(api_key), settings.get("AT_API_URL"),
                             settings.get("AT_SENDER_ID"), timeout=(3.05, read_timeout))


def sms_transport(extras: dict[str, Any], settings: dict[str, Any]) -> SmsTransport:
    """The process's transport, built once and kept in ``Runtime.extras``."""
    transport = extras.get(EXTRA_KEY)
    if transport is None:
        transport = extras[EXTRA_KEY] = build_sms_transport(settings)
    return transport
