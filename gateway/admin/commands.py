"""``flask --app wsgi admin create-user NAME --password-stdin [--role staff --shop N]``."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from gateway.admin import accounts
from gateway.commerce.models import Shop
from gateway.core.app_context import runtime
from gateway.core.errors import BadRequest
from gateway.core.transactions import unit_of_work

admin_cli = click.Group("admin", help="Manage admin console accounts.")


@admin_cli.command("create-user")
@click.argument("name")
@click.option("--password-stdin", "password_stdin", is_flag=True, required=True,
              help="Read the password from standard input (never from the command line).")
@click.option("--role", type=click.Choice(accounts.ROLES), default="admin", show_default=True)
@click.option("--shop", "shop_number", type=int, default=None,
              help="The shop number a staff account works for (what customers dial).")
@with_appcontext
def create_user(name: str, password_stdin: bool, role: str, shop_number: int | None) -> None:
    """Create a console account; the password comes from stdin and must not be empty."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else ""
    rt = runtime()
    try:
        with unit_of_work(rt) as db:
            shop_id = None
            if shop_number is not None:
                shop_id = db.scalar(select(Shop.id).where(Shop.number == shop_number))
                if shop_id is None:
                    raise BadRequest(f"no shop number {shop_number}")
            user = accounts.create_user(db, name, password, role, shop_id)
            summary = f"created {user.role} {user.username!r}" + (
                f" for shop {shop_number}" if shop_number is not None else "")
    except BadRequest as exc:
        click.echo(f"refused: {exc}", err=True)
        sys.exit(1)
    click.echo(summary)
