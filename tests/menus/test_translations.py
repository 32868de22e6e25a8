"""The gettext catalogs: every message a customer can read is translated into Spanish and
Swahili, keeps its placeholders, and fits one screen in GSM-7 with the widest values."""

from __future__ import annotations

import ast
import string

import pytest

import menus.flows  # noqa: F401 - registers every screen
from config.settings import ROOT
from gateway.commerce import order_states, orders
from gateway.core import errors
from gateway.core.i18n import load_translator
from menus.flows.checkout_choices import METHOD_LABELS, PICKUP_METHOD_LABELS
from menus.screens import REGISTRY, ListScreen
from menus.text import septets, to_gsm7

SOURCES = [*sorted((ROOT / "menus").rglob("*.py")), ROOT / "gateway" / "commerce" / "notices.py"]
WIDEST = {"ref": "K7P2Q", "total": "KES 9,999,999.99", "n": 99, "qty": 10, "most": 10, "left": 9,
          "name": "N" * 30, "shop": "S" * 30, "price": "KES 9,999,999.99", "landmark": "L" * 40,
          "method": "Pesa taslimu unapopokea", "status": "malipo yameshindwa",
          # shop-owner SMS replies (menus/sms_*.py)
          "kw": "CONFIRMAR", "count": 99, "usage": "PRICE SKU 150", "word": "W" * 20, "pin": "PIN ",
          "sku": "SKU-0000001", "tag": "#999", "shops": "#1, #2, #3", "example": "STOCK PIN S1-001 12",
          "tags": "#1 #2 #3", "time": "23:59", "old": "KES 9,999,999.99", "currency": "KES", "digits": 3,
          "in_cart": 99, "names": "N" * 40, "items": "9 " + "N" * 40, "typed": "T" * 20,
          # customer payment SMS (gateway/commerce/notices.py)
          "receipt": "NLJ7RT61SV", "code": "*384*12345#", "wallet": "Airtel Money", "pay_by": "31/12 23:59",
          # delivery terms and hours (checkout, shop lists)
          "fee": "KSh 99,999", "least": "KSh 99,999", "missing": "KSh 99,999", "town": "T" * 20}


def literal_msgids() -> set[str]:
    """String literals passed to ``ctx.t(...)`` or ``translate(lang, ...)``, f-strings included."""
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            index = 0 if isinstance(func, ast.Attribute) and func.attr == "t" else None
            index = 1 if isinstance(func, ast.Name) and func.id == "translate" else index
            if index is not None and len(node.args) > index:
                arg = node.args[index]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
    return found


def shown_msgids() -> set[str]:
    """Literal msgids plus those reaching ``ctx.t`` through attributes and tables."""
    dynamic = {screen.empty_message for screen in REGISTRY.values() if isinstance(screen, ListScreen)}
    dynamic |= set(METHOD_LABELS.values()) | set(PICKUP_METHOD_LABELS.values())
    dynamic |= set(order_states.LABELS.values())
    for module in (errors, orders):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, errors.BodegaError):
                dynamic.add(value.user_message)
    return literal_msgids() | dynamic


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_extraction_finds_messages_inside_f_strings() -> None:
    found = literal_msgids()
    assert {"More", "Back", "sold out", "Welcome to Bodega"} <= found
    assert any(m.startswith("Bodega: order {ref} placed") for m in found)


@pytest.mark.parametrize("lang", ["es", "sw"])
def test_every_message_is_translated_with_its_placeholders(lang: str) -> None:
    catalog = load_translator().catalogs[lang]
    missing = sorted(m for m in shown_msgids() if m not in catalog)
    assert not missing, f"untranslated in {lang}: {missing}"
    for msgid in shown_msgids():
        assert fields(catalog[msgid]) == fields(msgid), (lang, msgid, catalog[msgid])


@pytest.mark.parametrize("lang", ["en", "es", "sw"])
def test_every_message_fits_a_screen_in_gsm7(lang: str) -> None:
    translate = load_translator()
    for msgid in shown_msgids():
        text = translate(lang, msgid)
        filled = to_gsm7(text.format(**{k: WIDEST[k] for k in fields(text)}))
        assert septets(filled) <= 182, (lang, msgid, septets(filled))
        dropped = [ch for ch in text if not to_gsm7(ch)]
        assert not dropped, (lang, text, dropped)  # transliterated, never lost
