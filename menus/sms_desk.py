"""The frame for shop-owner SMS commands: who is texting, the keyword registry, and the parser.

A command is a small function registered with its keywords per language::

    @command("ready", "READY {ref}", en=("READY",), es=("LISTO",), sw=("TAYARI",))
    def ready(desk: ShopDesk, words: Words) -> str: ...

It returns the reply text (or raises ``Refusal`` with it). Parsing forgives case, accents, extra
spaces and punctuation around words (``ok, k7p2q!`` is ``OK K7P2Q``), and a reference typed before
the keyword (``K7P2Q OK``). The reply is in the language of the keyword used; a keyword shared by
several languages (``OK``, ``NO``) keeps the sender's last known language. Like every screen, a
command reads and writes through ``gateway.commerce`` on ``desk.db`` and never commits.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from config.settings import Settings
from gateway.commerce.customers import default_language
from gateway.commerce.models import ShopContact
from gateway.commerce.references import REFERENCE_ALPHABET, REFERENCE_LENGTH, canonical_reference
from gateway.core.i18n import load_translator

# Stripped from both ends of every word; '#' stays (it marks a shop number) and so do inner
# characters (``S1-001``, ``12.50``, ``1,200``).
EDGE_PUNCTUATION = ".,;:!?\"'()[]<>*-_/=~+"


class Refusal(Exception):
    """A command cannot be done; ``str(exc)`` is the (already translated) reply saying what to send."""


@dataclass
class ShopDesk:
    """What a command may use while answering one SMS from a shop's number."""

    db: Session
    phone: str  # the sender, E.164: the actor of every change
    contacts: list[ShopContact]  # one per shop this number runs
    translate: Callable[[str, str], str]
    now: datetime
    settings: Settings
    lang: str = "en"
    secrets: list[str] = field(default_factory=list)  # words to mask in the stored message (PINs)

    def t(self, msgid: str, **values: Any) -> str:
        """``msgid`` in the reply's language with ``values`` filled in."""
        text = self.translate(self.lang, msgid)
        return text.format(**values) if values else text

    @property
    def shop_ids(self) -> list[int]:
        return [contact.shop_id for contact in self.contacts]

    def contact_for(self, shop_id: int) -> ShopContact:
        return next(contact for contact in self.contacts if contact.shop_id == shop_id)


@dataclass(frozen=True)
class Words:
    """An SMS split for a command: ``args`` are cleaned words, ``raw`` the words as typed."""

    keyword: str
    args: list[str]
    raw: list[str]

    @property
    def typed_args(self) -> list[str]:
        """``args`` as typed, for numbers: case and a leading sign kept (``-5`` is not ``5``)."""
        return [as_typed(word) for word in self.raw if fold(word)]

    def rest_after(self, count: int) -> str:
        """The text after the first ``count`` arguments, as typed (a reason, a note)."""
        return " ".join(self.raw[count:]).strip(EDGE_PUNCTUATION + " ")


Handler = Callable[[ShopDesk, Words], str]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str  # e.g. "OK {ref}"; ``{ref}``/``{sku}`` are filled with examples in help
    run: Handler
    keywords: Mapping[str, tuple[str, ...]]  # language -> words


COMMANDS: dict[str, Command] = {}
KEYWORDS: dict[str, tuple[Command, tuple[str, ...]]] = {}  # word -> (command, its languages)


def command(name: str, usage: str, **keywords: tuple[str, ...]) -> Callable[[Handler], Handler]:
    """Register a command under its keywords (per language). A word may not mean two commands."""
    def register(run: Handler) -> Handler:
        entry = Command(name, usage, run, keywords)
        COMMANDS[name] = entry
        for lang, words in keywords.items():
            for word in words:
                key = fold(word)
                known = KEYWORDS.get(key)
                if known is not None and known[0].name != name:
                    raise ValueError(f"keyword {word} already means {known[0].name}")
                langs = known[1] if known else ()
                KEYWORDS[key] = (entry, (*langs, lang) if lang not in langs else langs)
        return run
    return register


def fold(word: str) -> str:
    """``"sí,"`` -> ``"SI"``: upper case, accents off, edge punctuation off."""
    decomposed = unicodedata.normalize("NFKD", word)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.strip(EDGE_PUNCTUATION).upper()


def as_typed(word: str) -> str:
    """``"-5."`` -> ``"-5"``: edge punctuation off, except the sign a number was typed with."""
    core = word.strip(EDGE_PUNCTUATION)
    lead = word[: len(word) - len(word.lstrip(EDGE_PUNCTUATION))]
    return lead[-1] + core if core and lead.endswith(("-", "+")) else core


def split(text: str) -> tuple[Command | None, Words]:
    """Find the command in ``text``: its first word, else its second (``K7P2Q OK``)."""
    raw = text.replace("\u00a0", " ").split()
    if raw and fold(raw[0]) not in KEYWORDS and ":" in raw[0]:  # "OK:K7P2Q"
        head, _, tail = raw[0].partition(":")
        raw = [head, tail, *raw[1:]] if tail else [head, *raw[1:]]
    order = [0, 1] if len(raw) > 1 else [0]
    for index in order if raw else []:
        found = KEYWORDS.get(fold(raw[index]))
        if found is not None:
            rest = raw[:index] + raw[index + 1:]
            args = [w for w in (fold(r) for r in rest) if w]
            return found[0], Words(fold(raw[index]), args, rest)
    first = fold(raw[0]) if raw else ""
    return None, Words(first, [fold(r) for r in raw[1:]], raw[1:])





def looks_like_reference(word: str) -> bool:
    """Whether a lone word could be an order reference (``K7P2Q``, ``ABCDE``): 5 letters or digits
    that, look-alikes forgiven, are all in the reference alphabet; ``MAMBO`` or ``HELLO`` (an ``O``
    no reference holds) is a word, answered as one, not "No order HELLO"."""
    if len(word) != REFERENCE_LENGTH or not word.isalnum() or not word.isascii():
        return False
    return all(ch in REFERENCE_ALPHABET for ch in canonical_reference(word))


def language_of(word: str, known: str | None) -> str:
    """The reply language for a keyword: its own if it has one, else the sender's, else English."""
    found = KEYWORDS.get(word)
    langs = found[1] if found else tuple(load_translator().languages)
    if len(langs) == 1:
        return langs[0]
    if known in langs:
        return str(known)
    return "en" if "en" in langs else langs[0]


def answer(desk: ShopDesk, text: str) -> tuple[str, str | None]:
    """Run the command in ``text`` for ``desk``'s sender; returns the reply and, when the keyword
    belongs to one language only, that language (to remember for later messages)."""
    known = next((c.language for c in desk.contacts if c.language), None) or default_language(
        desk.phone, load_translator().languages)
    found, words = split(text)
    desk.lang = language_of(words.keyword, known) if found else known
    learnt = desk.lang if found and len(KEYWORDS[words.keyword][1]) == 1 else None
    if found is None and looks_like_reference(words.keyword) and not words.args:
        found, words = COMMANDS["order"], Words("", [words.keyword], [words.keyword])
    if found is None:
        found = COMMANDS["help"] if not words.keyword else COMMANDS["unknown"]
    try:
        return found.run(desk, words), learnt
    except Refusal as refusal:
        return str(refusal), learnt
