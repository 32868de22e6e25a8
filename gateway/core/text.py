"""Text on a basic phone, shared by the menus, the domain's SMS and the console: GSM-7 only,
counted in septets, clipped to a budget; and whole numbers as people type them.

One character outside GSM-7 turns a whole USSD screen or SMS into UCS-2 (about half the room),
so everything shown is transliterated first: ``á -> a``, curly quotes -> straight, emoji dropped.
"""

from __future__ import annotations

import unicodedata

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€"  # each costs two septets (escape + char)
_BASIC = frozenset(GSM7_BASIC)
_EXTENDED = frozenset(GSM7_EXTENDED)
_GSM7 = _BASIC | _EXTENDED

_REPLACEMENTS = {
    "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "―": "-", "…": "...", "•": "*", "·": ".", "\t": " ",
    "ç": "c", "ß": "ss", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "€": "EUR",
    "\u00a0": " ", "\u200b": "", "²": "2", "³": "3", "½": "1/2", "×": "x",
}

SMS_SEGMENT = 160
SMS_CONCAT_SEGMENT = 153


def to_gsm7(text: str) -> str:
    """Transliterate ``text`` so every character is in the GSM-7 basic or extended table."""
    if _GSM7.issuperset(text):  # the usual case, checked in C: nothing to replace
        return text
    out: list[str] = []
    for ch in text:
        if ch in _BASIC or ch in _EXTENDED:
            out.append(ch)
            continue
        if ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
            continue
        decomposed = unicodedata.normalize("NFKD", ch)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        if stripped and all(c in _BASIC for c in stripped):
            out.append(stripped)
        elif unicodedata.category(ch).startswith("Z"):
            out.append(" ")
        # anything else (emoji, symbols, other scripts) is dropped rather than breaking the screen
    return "".join(out)


def is_gsm7(text: str) -> bool:
    return _GSM7.issuperset(text)


def septets(text: str) -> int:
    """Length of ``text`` on the air: extended characters cost two."""
    if _EXTENDED.isdisjoint(text):  # the usual case, checked in C
        return len(text)
    return len(text) + sum(map(text.count, GSM7_EXTENDED))


def clip(text: str, most: int) -> str:
    """``text`` cut to ``most`` septets, ending in ``..`` when it had to be cut."""
    if septets(text) <= most:
        return text
    room = max(0, most - 2)
    out: list[str] = []
    used = 0
    for ch in text:
        cost = 2 if ch in _EXTENDED else 1
        if used + cost > room:
            break
        out.append(ch)
        used += cost
    return "".join(out).rstrip() + ".."


def sms_segments(text: str) -> int:
    """How many SMS parts ``text`` takes (GSM-7 when it can be, else UCS-2)."""
    if is_gsm7(text):
        length, single, multi = septets(text), SMS_SEGMENT, SMS_CONCAT_SEGMENT
    else:
        length, single, multi = len(text.encode("utf-16-le")) // 2, 70, 67
    if length <= single:
        return 1
    return -(-length // multi)


def as_number(answer: str, digits: int = 9) -> int | None:
    """``answer`` as a whole number typed on a keypad (ASCII digits, at most ``digits``), or None.

    ``str.isdigit`` also accepts ``²`` and other scripts' digits, which ``int`` may refuse, and an
    unbounded number overflows a database integer: both would crash a hop or a
    page. Used for every number a person types: keypad answers, console forms and query strings.
    """
    answer = answer.strip()
    if answer.isascii() and answer.isdigit() and len(answer) <= digits:
        return int(answer)
    return None
