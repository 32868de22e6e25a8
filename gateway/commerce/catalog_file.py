"""Reading a catalog file as Excel writes it, for the CLI and the console's upload alike.

``decode_catalog`` turns bytes into text: UTF-8 with or without a byte-order mark (Excel's "CSV
UTF-8"), else Windows-1252 (Excel's plain "CSV" on Windows, a superset of Latin-1's printable
characters), else Latin-1. Anything else (UTF-16 "Unicode Text", a saved ``.xlsx``, binary) is
refused with one line that says what to do. ``catalog_rows`` sniffs the separator from the header
line: ``,`` or ``;`` (Excel in Spanish, French or German locales writes ``;``).
"""

from __future__ import annotations

import csv
import io

from gateway.core.errors import BadRequest

SAVE_AS = "in Excel use Save As > 'CSV UTF-8 (Comma delimited)'"
SEPARATORS = (",", ";")
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\r\n"} | {chr(c) for c in range(0x7F, 0xA0)}


def decode_catalog(raw: bytes) -> str:
    """The file's text; ``BadRequest`` (one line) when it is not UTF-8, Windows-1252 or Latin-1."""
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise BadRequest(f"this is an Excel workbook, not a CSV file: {SAVE_AS}")
    head = raw[:200]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") > len(head) // 4:
        raise BadRequest(f"this file is UTF-16 text ('Unicode Text'), which is not read here: {SAVE_AS}")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text  # a stray control character is the caller's to clean (clean_text)
    raise BadRequest(f"this file is not text in UTF-8, Windows-1252 or Latin-1: {SAVE_AS}")


def _looks_like_text(text: str) -> bool:
    """Few control characters: a text file with a stray NUL, not a binary or another encoding."""
    controls = sum(1 for ch in text if ch in _CONTROL)
    return controls <= max(2, len(text) // 20)


def sniff_separator(text: str) -> str:
    """``;`` when the header line has more semicolons than commas, else ``,``."""
    header = text.lstrip("\ufeff").split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def catalog_rows(text: str) -> csv.DictReader[str]:
    """A ``DictReader`` over ``text`` with the sniffed separator (a leading BOM dropped)."""
    return csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=sniff_separator(text))
