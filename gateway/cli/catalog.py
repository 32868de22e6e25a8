"""``flask --app wsgi catalog import FILE.csv`` and friends. The command owns the transaction."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from config.settings import ROOT
from gateway.commerce.catalog_file import decode_catalog
from gateway.commerce.catalog_import import apply_catalog, parse_catalog
from gateway.commerce.models import Shop
from gateway.core.app_context import runtime
from gateway.core.errors import BadRequest
from gateway.core.transactions import unit_of_work
from gateway.transports.clean import clean_text

DEMO_CATALOG = ROOT / "config" / "demo_catalog.csv"

catalog_cli = click.Group("catalog", help="Manage the shops and products customers see.")


@catalog_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_catalog(path: Path) -> None:
    """Import FILE.csv; a file with any bad row is refused whole (exit status 1)."""
    rt = runtime()
    try:
        text = clean_text(decode_catalog(path.read_bytes()))  # as the upload: no NUL reaches the database
    except BadRequest as exc:
        click.echo(f"refused: {path.name}: {exc}; nothing imported", err=True)
        sys.exit(1)
    with unit_of_work(rt) as db:
        report = parse_catalog(db, text, rt.settings.DEFAULT_CURRENCY, rt.settings.DEFAULT_REGION)
        if not report.errors:
            apply_catalog(db, report)
    if report.errors:
        for line in report.errors:
            click.echo(line, err=True)
        click.echo(f"refused: {len(report.errors)} problem(s); nothing imported", err=True)
        sys.exit(1)
    click.echo(f"imported {len(report.rows)} rows: {report.shops_created} new shops, "
               f"{report.products_created} new products, {report.products_updated} updated")


@catalog_cli.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Import the demo catalog once; later runs leave the shops (and their stock) as they are."""
    rt = runtime()
    with unit_of_work(rt) as db:
        if db.scalar(select(func.count()).select_from(Shop)):
            click.echo("demo catalog: shops already exist, nothing to seed")
            return
        report = parse_catalog(db, DEMO_CATALOG.read_text(encoding="utf-8"),
                               rt.settings.DEFAULT_CURRENCY, rt.settings.DEFAULT_REGION)
        apply_catalog(db, report)
    click.echo(f"demo catalog: seeded {report.shops_created} shops, {report.products_created} products")
