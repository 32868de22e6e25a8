"""Translations for screens and SMS, read from gettext catalogs (``config/locales/<lang>``).

The ``.po`` files are read directly with Babel at start-up, so there is no compile step to forget.
An untranslated or missing message falls back to English (the msgid itself).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

from config.settings import ROOT

LOCALES = ROOT / "config" / "locales"


class Translator:
    """``translate(lang, msgid)`` over the catalogs found in a locales directory."""

    def __init__(self, catalogs: dict[str, dict[str, str]]) -> None:
        self.catalogs = catalogs

    @classmethod
    def from_directory(cls, directory: Path) -> Translator:
        catalogs: dict[str, dict[str, str]] = {}
        for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
            lang = po.parent.parent.name
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=lang)
            catalogs[lang] = {
                str(msg.id): str(msg.string)
                for msg in catalog
                if msg.id and msg.string and not msg.fuzzy and isinstance(msg.id, str)
            }
        return cls(catalogs)

    @property
    def languages(self) -> list[str]:
        return ["en", *sorted(lang for lang in self.catalogs if lang != "en")]

    def __call__(self, lang: str, msgid: str) -> str:
        return self.catalogs.get(lang, {}).get(msgid, msgid)


@lru_cache(maxsize=1)
def load_translator() -> Translator:
    """The translator over ``config/locales``, read once per process."""
    return Translator.from_directory(LOCALES)


def translate(lang: str, msgid: str, **values: object) -> str:
    """``msgid`` in ``lang`` with ``values`` filled in (for SMS texts written outside a dial)."""
    text = load_translator()(lang, msgid)
    return text.format(**values) if values else text
