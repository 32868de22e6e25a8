"""A shop's catalog arrives as CSV through ``flask catalog import``: prices as people write them,
and every row in the shop's own currency."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from flask import Flask
from sqlalchemy import select

from gateway.commerce.models import Product, Shop
from gateway.core.runtime import Runtime

HEADER = "shop,owner_phone,category,sku,name,price,stock,currency\n"
TIENDA = "Tienda Rosa,+51987654321,Bebidas"


def import_csv(app: Flask, tmp_path: Path, rows: str) -> Result:
    path = tmp_path / "catalog.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["catalog", "import", str(path)])


def prices(rt: Runtime) -> dict[str, tuple[int, str]]:
    with rt.sessions() as db:
        return {p.sku: (p.price_minor, p.currency) for p in db.scalars(select(Product))}


def test_comma_decimals_and_thousands_are_read_as_written(app: Flask, rt: Runtime, tmp_path: Path) -> None:
    result = import_csv(app, tmp_path, f'{TIENDA},PE-001,Inca Kola,"23,90",5,PEN\n'
                                       f'{TIENDA},PE-002,Agua,"1,5",5,PEN\n'
                                       f'{TIENDA},PE-003,Pisco,"1.950,00",5,\n'
                                       f'{TIENDA},PE-004,Vino,"1,950",5,PEN\n')
    assert result.exit_code == 0, result.output
    assert prices(rt) == {"PE-001": (2390, "PEN"), "PE-002": (150, "PEN"), "PE-003": (195000, "PEN"),
                          "PE-004": (195000, "PEN")}


def test_unreadable_prices_are_refused_with_their_line(app: Flask, rt: Runtime, tmp_path: Path) -> None:
    result = import_csv(app, tmp_path, f"{TIENDA},PE-001,Inca Kola,1e3,5,PEN\n"
                                       f"{TIENDA},PE-002,Agua,-2,5,PEN\n"
                                       f"{TIENDA},PE-003,Pisco,19.505,5,PEN\n")
    assert result.exit_code == 1
    assert "line 2: not a price: '1e3'; send digits with one decimal point or comma" in result.output
    assert "line 3: '-2' is negative" in result.output
    assert "line 4: '19.505' has more decimals than PEN allows (at most 2)" in result.output
    assert prices(rt) == {}


def test_a_currency_that_is_not_the_shops_is_refused_line_by_line(app: Flask, rt: Runtime,
                                                                  tmp_path: Path) -> None:
    assert import_csv(app, tmp_path, f"{TIENDA},PE-001,Inca Kola,3.50,5,PEN\n").exit_code == 0
    result = import_csv(app, tmp_path, f"{TIENDA},PE-002,Agua,2,5,XYZ\n"
                                       f"{TIENDA},PE-003,Pisco,20,5,NGN\n"
                                       f"{TIENDA},PE-004,Chicha,4,5,\n"
                                       "Duka Jipya,+254700111222,Drinks,DJ-1,Chai,50,10,KES\n"
                                       "Duka Jipya,+254700111222,Drinks,DJ-2,Soda,60,3,UGX\n")
    assert result.exit_code == 1
    assert "line 2: currency 'XYZ' is not a currency code such as KES or PEN" in result.output
    assert "line 3: currency NGN differs from shop 'Tienda Rosa', which sells in PEN" in result.output
    assert "line 6: currency UGX differs from shop 'Duka Jipya', which sells in KES" in result.output
    assert "line 4" not in result.output and "line 5" not in result.output
    assert prices(rt) == {"PE-001": (350, "PEN")}
    with rt.sessions() as db:
        assert db.scalar(select(Shop).where(Shop.name == "Duka Jipya")) is None


def test_absurd_numbers_are_refused_with_their_line_not_a_crash(
        app: Flask, rt: Runtime, tmp_path: Path) -> None:
    """int() of 5,000 digits raises ValueError (Python's 4,300-digit limit): once an unhandled error."""
    result = import_csv(app, tmp_path, f"{TIENDA},PE-001,Inca Kola,{'9' * 5000},5,PEN\n"
                                       f"{TIENDA},PE-002,Agua,1,{'9' * 5000},PEN\n")
    assert result.exit_code == 1, result.output
    assert "line 2: '99999999999999999999' is larger than any price Bodega takes" in result.output
    assert "line 3: stock '9999" in result.output and "is not a whole number" in result.output
    assert prices(rt) == {}
