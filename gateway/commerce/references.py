"""Order references: the letters they are drawn from, and reading one back as a person typed it."""

from __future__ import annotations

# Read aloud and typed on a keypad: no O/0 and no I/1 to confuse.
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 5
# Characters people mistake for one another when copying a reference from a screen.
LOOKALIKES = (("O", "0"), ("I", "1"), ("L", "1"))


def canonical_reference(typed: str, alphabet: str = REFERENCE_ALPHABET) -> str:
    """``" k7p2q. "`` -> ``"K7P2Q"``: upper case, only letters and digits, look-alikes mapped.

    A character that is not in the reference alphabet is replaced by its look-alike that is
    (``O`` typed for ``0`` or the other way round, ``I``/``L`` for ``1``), so what a person
    copies by eye from an SMS still finds the order.
    """
    out = []
    for ch in typed.upper():
        if not ch.isalnum() or not ch.isascii():
            continue
        if ch not in alphabet:
            ch = next((b if a == ch else a for a, b in LOOKALIKES
                       if ch in (a, b) and (b if a == ch else a) in alphabet), ch)
        out.append(ch)
    return "".join(out)
