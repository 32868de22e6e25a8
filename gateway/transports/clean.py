"""Text from outside Bodega, cleaned once where it enters (the adapter or form that reads it).

``clean_text`` drops NUL and the other control characters (tab, CR and LF stay) and lone
surrogates: no handset, provider or admin means them, PostgreSQL refuses NUL in text columns,
and they would otherwise reach logs and screens. ``clean_typed`` also applies NFKC, so what a
handset types is read as the digits and letters it shows (full-width ``５５５５`` is ``5555``)
by every parser, PIN check and mask after it. ``storable_raw`` keeps a provider's body as it came
except for NUL, written ``\\x00`` so the row is stored whatever the body holds.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` without control characters (tab, CR and LF kept) or lone surrogates."""
    return CONTROL.sub("", value)


def clean_typed(value: str) -> str:
    """What a person typed on a keypad: NFKC-normalised, then ``clean_text``."""
    return clean_text(unicodedata.normalize("NFKC", value))


def clean_form(form: Mapping[str, str]) -> dict[str, str]:
    """Every field of a provider's form through ``clean_text`` (field names too)."""
    return {clean_text(name): clean_text(value) for name, value in form.items()}


def storable_raw(body: bytes) -> str:
    """A provider's body as text a database keeps: undecodable bytes replaced, NUL written out."""
    return body.decode("utf-8", "replace").replace("\x00", "\\x00")
