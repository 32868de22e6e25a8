"""Screen text on a basic phone: fitting a USSD screen to its character budget and paging lists.

The GSM-7 rules themselves (transliteration, septet counts, clipping) live in ``gateway.core.text``,
shared with the SMS the domain writes and the console; they are re-exported here so a screen has
one toolbox.
"""

from __future__ import annotations

from gateway.core.text import as_number, clip, is_gsm7, septets, sms_segments, to_gsm7

__all__ = ["MIN_LINE", "as_number", "clip", "fit_screen", "is_gsm7", "paginate", "septets",
           "sms_segments", "to_gsm7"]

MIN_LINE = 12


def fit_screen(text: str, limit: int) -> str:
    """GSM-7 ``text`` of at most ``limit`` septets.

    The widest lines are clipped first (each to no less than ``MIN_LINE``), one at a time, so a
    long name gives way before the options and ``0 Back`` at the bottom; only a screen that
    still does not fit loses its tail.
    """
    text = to_gsm7(text).strip("\n")
    lines = text.split("\n")
    while (excess := septets("\n".join(lines)) - limit) > 0:
        wide = [i for i, line in enumerate(lines) if septets(line) > MIN_LINE]
        if not wide:
            break
        widest = max(wide, key=lambda i: septets(lines[i]))
        lines[widest] = clip(lines[widest], max(MIN_LINE, septets(lines[widest]) - excess))
    text = "\n".join(lines)
    return text if septets(text) <= limit else clip(text, limit)


def paginate(header: str, items: list[str], footer: list[str], budget: int) -> int:
    """How many of ``items`` (from the first) fit under ``header`` with ``footer`` in ``budget``.

    Always at least one, so a list never stalls on one long item (``fit_screen`` clips it).
    """
    used = septets(to_gsm7(header)) + sum(septets(to_gsm7(f)) + 1 for f in footer)
    count = 0
    for item in items:
        used += septets(to_gsm7(item)) + 1
        if used > budget and count:
            break
        count += 1
    return count
