"""Which SMS transport this process uses.

``SMS_PROVIDER=console``: the console, whatever else is set (a staging box). With ``SMS_ROUTES``,
a router that picks each message's carrier by destination (``gateway.transports.sms_routes``).
Without it, the one configured provider, as before: AT when ``AT_USERNAME`` is set, else Twilio
(``TWILIO_ACCOUNT_SID``), else Infobip (``INFOBIP_API_KEY``), else the console (which production
refuses unless ``SMS_PROVIDER=console`` says so: ``config.settings``).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from config.settings import Settings
from gateway.transports.africastalking_sms import AfricasTalkingSms
from gateway.transports.base import SmsTransport
from gateway.transports.console import ConsoleSms
from gateway.transports.infobip_sms import InfobipSms
from gateway.transports.sms_routes import CARRIERS, NotConfigured, RoutedSms, parse_routes
from gateway.transports.twilio_sms import TwilioSms

log = logging.getLogger(__name__)

EXTRA_KEY = "sms_transport"
# What each carrier needs; the first setting says the carrier is meant to be used at all.
NEEDS = {
    "africastalking": ("AT_USERNAME", "AT_API_KEY"),
    "twilio": ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"),
    "infobip": ("INFOBIP_API_KEY", "INFOBIP_BASE_URL"),
    "console": (),
}


def build_sms_transport(settings: Settings) -> SmsTransport:
    """The transport the settings ask for. ``RuntimeError`` for a malformed ``SMS_ROUTES`` or a
    provider half configured without routes (its first setting set, another missing)."""
    if settings.SMS_PROVIDER == "console":
        return ConsoleSms()
    routes = parse_routes(settings.SMS_ROUTES)
    if routes:
        carriers = {name: _carrier_or_stand_in(name, settings) for name in set(routes.values())}
        return RoutedSms(routes, carriers)
    chosen = [name for name in CARRIERS[:-1] if not settings.missing(NEEDS[name][0])]
    if len(chosen) > 1:
        log.warning(
            "%s are all configured but SMS_ROUTES is not set: every SMS goes through %s",
            ", ".join(chosen),
            chosen[0],
        )
    if not chosen:
        return ConsoleSms()
    carrier = _carrier_or_stand_in(chosen[0], settings)
    if isinstance(carrier, NotConfigured):
        raise RuntimeError(f"{NEEDS[chosen[0]][0]} is set but {carrier.missing} not")
    return carrier


def _carrier_or_stand_in(name: str, settings: Settings) -> SmsTransport:
    missing = settings.missing(*NEEDS[name])
    if missing:
        return NotConfigured(name, " and ".join(missing) + (" is" if len(missing) == 1 else " are"))
    timeout = (3.05, settings.SMS_TIMEOUT_SECONDS)
    if name == "africastalking":
        return AfricasTalkingSms(
            str(settings.AT_USERNAME),
            str(settings.AT_API_KEY),
            settings.AT_API_URL,
            settings.AT_SENDER_ID,
            timeout=(3.05, settings.AT_TIMEOUT_SECONDS),
        )
    if name == "twilio":
        return TwilioSms(
            str(settings.TWILIO_ACCOUNT_SID),
            str(settings.TWILIO_AUTH_TOKEN),
            str(settings.TWILIO_FROM),
            settings.TWILIO_API_URL,
            callback_url(settings, "/hooks/twilio/sms/status"),
            timeout,
        )
    if name == "infobip":
        return InfobipSms(
            str(settings.INFOBIP_BASE_URL),
            str(settings.INFOBIP_API_KEY),
            settings.INFOBIP_FROM,
            callback_url(settings, "/hooks/infobip/sms/delivery"),
            timeout,
        )
    return ConsoleSms()


def callback_url(settings: Settings, path: str) -> str | None:
    """``PUBLIC_URL`` + ``path``, with the webhook key when one is set; None without PUBLIC_URL."""
    base = settings.PUBLIC_URL.rstrip("/")
    if not base:
        return None
    secret = settings.WEBHOOK_SECRET
    return base + path + ("?" + urlencode({"key": secret}) if secret else "")


def sms_transport(extras: dict[str, Any], settings: Settings) -> SmsTransport:
    """The process's transport, built once and kept in ``Runtime.extras``."""
    transport = extras.get(EXTRA_KEY)
    if transport is None:
        transport = extras[EXTRA_KEY] = build_sms_transport(settings)
    return transport
