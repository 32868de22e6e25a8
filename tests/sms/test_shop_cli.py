"""An admin adds a shop's staff number, sets its PIN and switches its summary from the CLI; the
new number can then run the shop by SMS."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from gateway.commerce.models import AuditEntry, Shop
from gateway.core.runtime import Runtime
from tests.sms.conftest import Texter

NEW_STAFF = "+254755000404"


def test_numbers_pin_and_summary_from_the_cli(app: Flask, rt: Runtime, texter: Texter, shop: Shop) -> None:
    cli = app.test_cli_runner()
    assert texter.ask("ORDERS", phone=NEW_STAFF).startswith("Bodega: to shop, dial")
    added = cli.invoke(args=["shop", "add-number", "1", "0755 000 404"])
    assert added.exit_code == 0 and f"{NEW_STAFF} runs shop 1 as staff" in added.output
    assert texter.ask("ORDERS", phone=NEW_STAFF) == "No open orders."
    pin = cli.invoke(args=["shop", "set-pin", "1", "--pin-stdin"], input="4821\n")
    assert pin.exit_code == 0, pin.output
    assert texter.ask("STOCK S1-001 5", phone=NEW_STAFF).startswith("This shop asks for its PIN")
    assert texter.ask("STOCK 4821 S1-001 5", phone=NEW_STAFF).endswith("stock now 5 (was 20).")
    bad_pin = cli.invoke(args=["shop", "set-pin", "1", "--pin-stdin"], input="12\n")
    assert bad_pin.exit_code == 1 and "4 to 6 digits" in bad_pin.output
    assert cli.invoke(args=["shop", "summary", "1", "off"]).exit_code == 0
    listing = cli.invoke(args=["shop", "numbers", "1"])
    assert "PIN set, summary off" in listing.output and f"{NEW_STAFF} staff" in listing.output
    removed = cli.invoke(args=["shop", "remove-number", "1", NEW_STAFF])
    assert removed.exit_code == 0 and "removed" in removed.output
    assert cli.invoke(args=["shop", "numbers", "99"]).exit_code == 1
    with rt.sessions() as db:
        actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.actor == "cli")
                                  .order_by(AuditEntry.id)))
    assert actions == ["contact.add", "pin.set", "summary.off", "contact.remove"]
