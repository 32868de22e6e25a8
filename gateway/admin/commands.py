"""``flask --app wsgi admin ...``: create, list, disable and enable console accounts, reset a
password. Passwords come from standard input only; every change is audited as ``cli``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.admin import accounts
from gateway.commerce.models import Shop
from gateway.core.app_context import runtime
from gateway.core.errors import BadRequest
from gateway.core.transactions import unit_of_work

admin_cli = click.Group("admin", help="Manage admin console accounts.")
ACTOR = "cli"


@contextmanager
def _refusing() -> Iterator[Session]:
    """A committed session; a ``BadRequest`` becomes ``refused: <reason>`` and exit status 1."""
    try:
        with unit_of_work(runtime()) as db:
            yield db
    except BadRequest as exc:
        click.echo(f"refused: {exc}", err=True)
        sys.exit(1)


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


_password_option: Callable[..., Callable[..., object]] = click.option(
    "--password-stdin", "password_stdin", is_flag=True, required=True,
    help="Read the password from standard input (never from the command line).")


@admin_cli.command("create-user")
@click.argument("name")
@_password_option
@click.option("--role", type=click.Choice(accounts.ROLES), default="admin", show_default=True)
@click.option("--shop", "shop_number", type=int, default=None,
              help="The shop number a staff account works for (what customers dial).")
@with_appcontext
def create_user(name: str, password_stdin: bool, role: str, shop_number: int | None) -> None:
    """Create a console account; the password (12+ characters, not a common one) comes from stdin."""
    password = _read_password()
    with _refusing() as db:
        shop_id = None
        if shop_number is not None:
            shop_id = db.scalar(select(Shop.id).where(Shop.number == shop_number))
            if shop_id is None:
                raise BadRequest(f"no shop number {shop_number}")
        user = accounts.create_user(db, name, password, role, shop_id, actor=ACTOR)
        summary = f"created {user.role} {user.username!r}" + (
            f" for shop {shop_number}" if shop_number is not None else "")
    click.echo(summary)


@admin_cli.command("list-users")
@with_appcontext
def list_users() -> None:
    """Every account: name, role, shop number, created, and whether it is disabled."""
    with _refusing() as db:
        numbers: dict[int, int] = {sid: num for sid, num in db.execute(select(Shop.id, Shop.number))}
        rows = [(u.username, u.role, numbers.get(u.shop_id) if u.shop_id else None, u.created_at,
                 u.disabled_at) for u in accounts.list_users(db)]
    if not rows:
        click.echo("no accounts yet: create one with `admin create-user NAME --password-stdin`")
    for name, role, shop, created, disabled in rows:
        where = f" shop {shop}" if shop is not None else ""
        state = f"disabled {disabled:%Y-%m-%d}" if disabled else "active"
        click.echo(f"{name:<20} {role}{where:<10} created {created:%Y-%m-%d}  {state}")


@admin_cli.command("disable-user")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the account again instead.")
@with_appcontext
def disable_user(name: str, enable: bool) -> None:
    """Disable an account: it cannot sign in and its open sessions end (``--enable`` undoes it)."""
    with _refusing() as db:
        user = accounts.find_user(db, name)
        changed = accounts.set_disabled(db, user, not enable, ACTOR)
        state = "enabled" if enable else "disabled"
        said = f"{state} {user.username!r}" if changed else f"{user.username!r} was already {state}"
    click.echo(said)


@admin_cli.command("reset-password")
@click.argument("name")
@_password_option
@with_appcontext
def reset_password(name: str, password_stdin: bool) -> None:
    """Set a new password (from stdin); the account's open sessions sign out."""
    password = _read_password()
    with _refusing() as db:
        user = accounts.find_user(db, name)
        accounts.reset_password(db, user, password, ACTOR)
        said = f"new password set for {user.username!r}; their other sessions are signed out"
    click.echo(said)
