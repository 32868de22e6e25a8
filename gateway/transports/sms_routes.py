"""Which carrier takes each SMS: ``SMS_ROUTES`` by destination, else the one configured provider.

``SMS_ROUTES`` reads ``+254=africastalking,+233=infobip,+51=twilio,*=console``: the longest
matching prefix wins, ``*`` takes the rest. A message routed to a carrier whose settings are
missing, or to no carrier at all, fails for good with the reason in its outbox row (the console
shows it) and an error in the log: it is never silently dropped nor sent through another carrier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from gateway.core.phone import mask
from gateway.transports.base import PERMANENT, SmsReceipt, SmsTransport

log = logging.getLogger(__name__)

CARRIERS = ("africastalking", "twilio", "infobip", "console")
ANYWHERE = "*"


def parse_routes(raw: str | None) -> dict[str, str]:
    """``{prefix: carrier}`` from ``SMS_ROUTES``; ``RuntimeError`` names a malformed entry."""
    routes: dict[str, str] = {}
    for entry in (raw or "").split(","):
        if not entry.strip():
            continue
        prefix, equals, carrier = (part.strip() for part in entry.partition("="))
        carrier = carrier.lower()
        valid_prefix = prefix == ANYWHERE or (prefix.startswith("+") and prefix[1:].isdigit())
        if not equals or not valid_prefix or carrier not in CARRIERS:
            raise RuntimeError(f"SMS_ROUTES entry {entry.strip()!r} is not '+<country code>=<carrier>' "
                               f"or '*=<carrier>' with a carrier among {', '.join(CARRIERS)}")
        routes[prefix] = carrier
    return routes


def carrier_for(routes: dict[str, str], to: str) -> str | None:
    """The carrier of the longest prefix of ``to`` (E.164), else the ``*`` one, else None."""
    matches = [prefix for prefix in routes if prefix != ANYWHERE and to.startswith(prefix)]
    if matches:
        return routes[max(matches, key=len)]
    return routes.get(ANYWHERE)


@dataclass
class NotConfigured:
    """Stands in for a carrier whose settings are missing: every message fails, saying why."""

    name: str
    missing: str

    def send(self, to: str, body: str) -> SmsReceipt:
        detail = f"no SMS carrier for {mask(to)}: {self.name} is routed but {self.missing} not set"
        log.error("SMS not sent: %s", detail)
        return SmsReceipt(PERMANENT, status="CarrierNotConfigured", detail=detail[:200])


class RoutedSms:
    """Sends each message through the carrier ``SMS_ROUTES`` names for its destination."""

    name = "routes"

    def __init__(self, routes: dict[str, str], carriers: dict[str, SmsTransport]) -> None:
        self.routes, self.carriers = routes, carriers

    def send(self, to: str, body: str) -> SmsReceipt:
        carrier = carrier_for(self.routes, to)
        if carrier is None:
            detail = f"no SMS route for {mask(to)}: add its country code or '*' to SMS_ROUTES"
            log.error("SMS not sent: %s", detail)
            return SmsReceipt(PERMANENT, status="NoRoute", detail=detail)
        return self.carriers[carrier].send(to, body)
