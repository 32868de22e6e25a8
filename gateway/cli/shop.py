"""``flask --app wsgi shop ...``: the numbers that run a shop by SMS, its PIN, its daily summary.

    flask --app wsgi shop numbers 1
    flask --app wsgi shop add-number 1 +254733000202 --role staff
    flask --app wsgi shop remove-number 1 +254733000202
    printf '4821\\n' | flask --app wsgi shop set-pin 1 --pin-stdin      (or --clear)
    flask --app wsgi shop summary 1 off
    flask --app wsgi shop set 1 --town Kasarani --delivery --delivery-fee 50 --min-order 200 \
        --hours "Mon-Sat 08:00-19:00" --timezone Africa/Nairobi

The command owns the transaction; every change is audited with actor ``cli``.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.commerce import shop_desk, shop_pins
from gateway.commerce.models import AuditEntry, Shop
from gateway.commerce.shop_settings import TermsChange, describe_terms, update_terms
from gateway.commerce.shop_terms import BadTerms
from gateway.core.app_context import runtime
from gateway.core.errors import BadRequest
from gateway.core.phone import to_e164
from gateway.core.transactions import unit_of_work

shop_cli = click.Group("shop", help="Manage the numbers, PIN and summary of a shop run by SMS.")
ACTOR = "cli"


def _shop(db: Session, number: int) -> Shop:
    shop = db.scalar(select(Shop).where(Shop.number == number))
    if shop is None:
        raise BadRequest(f"no shop number {number}")
    return shop


def _refuse(exc: Exception) -> None:
    click.echo(f"refused: {exc}", err=True)
    sys.exit(1)


@shop_cli.command("numbers")
@click.argument("number", type=int)
@with_appcontext
def numbers(number: int) -> None:
    """List the phone numbers that run shop NUMBER by SMS."""
    try:
        with unit_of_work(runtime()) as db:
            shop = _shop(db, number)
            lines = [f"{c.phone} {c.role}" + (f" (texts in {c.language})" if c.language else "")
                     for c in sorted(shop.contacts, key=lambda c: (c.role, c.phone))]
            pin = "PIN set" if shop.pin_hash else "no PIN"
            summary = "summary on" if shop.summary_enabled else "summary off"
    except BadRequest as exc:
        _refuse(exc)
    click.echo(f"shop {number} {shop.name}: {pin}, {summary}")
    for line in lines:
        click.echo(f"  {line}")


@shop_cli.command("add-number")
@click.argument("number", type=int)
@click.argument("phone")
@click.option("--role", type=click.Choice(shop_desk.ROLES), default="staff", show_default=True)
@with_appcontext
def add_number(number: int, phone: str, role: str) -> None:
    """Let PHONE run shop NUMBER by SMS."""
    rt = runtime()
    try:
        e164 = to_e164(phone, rt.settings.DEFAULT_REGION)
        with unit_of_work(rt) as db:
            shop_desk.add_contact(db, _shop(db, number), e164, role, ACTOR)
    except BadRequest as exc:
        _refuse(exc)
    click.echo(f"{e164} runs shop {number} as {role}")


@shop_cli.command("remove-number")
@click.argument("number", type=int)
@click.argument("phone")
@with_appcontext
def remove_number(number: int, phone: str) -> None:
    """Stop PHONE running shop NUMBER by SMS."""
    rt = runtime()
    try:
        e164 = to_e164(phone, rt.settings.DEFAULT_REGION)
        with unit_of_work(rt) as db:
            removed = shop_desk.remove_contact(db, _shop(db, number), e164, ACTOR)
    except BadRequest as exc:
        _refuse(exc)
    click.echo(f"{e164} removed from shop {number}" if removed else f"{e164} did not run shop {number}")


@shop_cli.command("set-pin")
@click.argument("number", type=int)
@click.option("--pin-stdin", "pin_stdin", is_flag=True, help="Read the PIN (4-6 digits) from standard input.")
@click.option("--clear", is_flag=True, help="Remove the PIN.")
@with_appcontext
def set_pin(number: int, pin_stdin: bool, clear: bool) -> None:
    """Require a PIN for shop NUMBER's STOCK, PRICE, OFF and ON commands (or --clear it)."""
    if pin_stdin == clear:
        _refuse(BadRequest("give exactly one of --pin-stdin or --clear"))
    pin = None if clear else sys.stdin.readline().strip()
    try:
        with unit_of_work(runtime()) as db:
            shop = _shop(db, number)
            shop_pins.set_pin(shop, pin)
            db.add(AuditEntry(shop_id=shop.id, actor=ACTOR, channel="admin",
                              action="pin.clear" if clear else "pin.set", subject=f"shop {number}"))
    except (BadRequest, ValueError) as exc:
        _refuse(exc)
    click.echo(f"shop {number}: " + ("PIN removed" if clear else "PIN set"))


@shop_cli.command("summary")
@click.argument("number", type=int)
@click.argument("state", type=click.Choice(["on", "off"]))
@with_appcontext
def summary(number: int, state: str) -> None:
    """Switch shop NUMBER's evening summary SMS on or off."""
    try:
        with unit_of_work(runtime()) as db:
            shop = _shop(db, number)
            shop.summary_enabled = state == "on"
            db.add(AuditEntry(shop_id=shop.id, actor=ACTOR, channel="admin", action=f"summary.{state}",
                              subject=f"shop {number}"))
    except BadRequest as exc:
        _refuse(exc)
    click.echo(f"shop {number}: daily summary {state}")


@shop_cli.command("set")
@click.argument("number", type=int)
@click.option("--town", help="The town the shop is in (customers pick a town first).")
@click.option("--delivery/--no-delivery", "delivers", default=None, help="Whether the shop delivers.")
@click.option("--delivery-fee", help="Delivery fee in the shop's currency, e.g. 50.")
@click.option("--min-order", help="Smallest order (items, fee excluded), e.g. 200; 0 for none.")
@click.option("--hours", help='Opening hours, e.g. "Mon-Sat 08:00-19:00; Sun 10:00-14:00"; "" for always.')
@click.option("--timezone", help="IANA time zone of the hours, e.g. Africa/Nairobi.")
@with_appcontext
def set_terms(number: int, **typed: Any) -> None:
    """Set shop NUMBER's town, delivery terms and opening hours. Nothing changes if any part is bad."""
    change = TermsChange(**typed)
    try:
        with unit_of_work(runtime()) as db:
            shop = _shop(db, number)
            changed = update_terms(db, shop, change, ACTOR, "admin")
            summary = describe_terms(shop)
    except (BadRequest, BadTerms) as exc:
        _refuse(exc)
    click.echo(f"shop {number}: " + ("updated" if changed else "nothing changed") + f"; {summary}")
