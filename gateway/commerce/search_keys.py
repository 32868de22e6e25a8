"""The form of a product name that search compares: lower case, no accents, words split by one space.

A customer types on a keypad in whatever case the phone gives and rarely finds the accents, so
``Azúcar rubia 1kg`` is kept as ``azucar rubia 1kg`` and a typed ``AZUCAR`` becomes ``azucar``.
"""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^0-9a-z]+")
SEARCH_KEY_LENGTH = 120


def search_key(text: str) -> str:
    """``text`` folded for search: accents stripped, lower case, runs of other characters -> one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", plain.replace("ß", "ss")).strip()[:SEARCH_KEY_LENGTH]
