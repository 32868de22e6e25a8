"""The one place that parses phone numbers: anything a person or provider sends becomes E.164."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from gateway.core.errors import BadRequest


@lru_cache(maxsize=65_536)  # every hop of a dial carries the same number; parsing costs ~0.1 ms
def to_e164(raw: str, region: str = "KE") -> str:
    """Return ``raw`` as E.164 (``+254711000111``); raise ``BadRequest`` if it is not a number."""
    text = (raw or "").strip()
    if text and text[0].isdigit() and len(text) > 10 and not text.startswith("0"):
        text = "+" + text  # providers often send 2547... without the plus
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise BadRequest(f"not a phone number: {mask(raw)}") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise BadRequest(f"not a possible phone number: {mask(raw)}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def country_of(e164: str) -> str | None:
    """ISO region (``KE``) of an E.164 number, or None."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None


def mask(phone: str) -> str:
    """``+254711000441`` -> ``+2547****441``: enough to recognise, not enough to dial."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:2] + "*" * max(0, len(phone) - 2)
    return phone[:5] + "****" + phone[-3:]

