"""Excel's CSVs through ``flask catalog import``: UTF-8 with or without BOM, Windows-1252 and
Latin-1, ``,`` or ``;`` between columns; any other encoding gets one clear line, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from gateway.commerce.catalog_file import decode_catalog, sniff_separator
from gateway.commerce.models import Product
from gateway.core.errors import BadRequest
from gateway.core.runtime import Runtime

ROWS = [["shop", "owner_phone", "category", "sku", "name", "price", "stock"],
        ["Café Sol", "+51987654321", "Cafés", "CS-1", "Té de manzanilla", "2,50", "4"],
        ["Café Sol", "+51987654321", "Cafés", "CS-2", "Crème brûlée €", "12,00", "3"]]


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "catalog.csv"
    path.write_bytes(data)
    return path


def run(app: Flask, path: Path) -> Result:
    return app.test_cli_runner().invoke(args=["catalog", "import", str(path)])


def names(rt: Runtime) -> dict[str, tuple[str, int]]:
    with rt.sessions() as db:
        return {p.sku: (p.name, p.price_minor) for p in db.scalars(select(Product))}


def as_csv(sep: str) -> str:
    quote = (lambda v: f'"{v}"') if sep == "," else (lambda v: v)
    return "".join(sep.join(quote(v) if "," in v else v for v in row) + "\r\n" for row in ROWS)


@pytest.mark.parametrize(("encoding", "sep"), [("utf-8", ","), ("utf-8-sig", ","), ("utf-8-sig", ";"),
                                               ("cp1252", ";"), ("cp1252", ","), ("latin-1", ";")])
def test_excel_encodings_and_separators_import_the_same_catalog(
        app: Flask, rt: Runtime, tmp_path: Path, encoding: str, sep: str) -> None:
    text = as_csv(sep)
    if encoding == "latin-1":
        text = text.replace("€", "")
    result = run(app, write(tmp_path, text.encode(encoding)))
    assert result.exit_code == 0, result.output
    assert names(rt)["CS-1"] == ("Té de manzanilla", 250)
    assert names(rt)["CS-2"][0].startswith("Crème brûlée")


@pytest.mark.parametrize(("data", "says"), [
    (as_csv(",").encode("utf-16"), "UTF-16 text"),
    (b"PK\x03\x04\x14\x00\x06\x00rest of a workbook", "Excel workbook"),
    (b"shop,owner_phone\n\x01\x02\x03\x81\x8d", "not text in UTF-8, Windows-1252 or Latin-1"),
])
def test_another_encoding_gets_one_clear_line_and_nothing_is_imported(
        app: Flask, rt: Runtime, tmp_path: Path, data: bytes, says: str) -> None:
    result = run(app, write(tmp_path, data))
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("refused: catalog.csv: ") and says in lines[0]
    assert "CSV UTF-8" in lines[0] and "Traceback" not in result.output
    assert names(rt) == {}


def test_decoding_and_sniffing_rules() -> None:
    assert decode_catalog("\ufeffshop".encode()) == "shop"
    assert decode_catalog("Peña €5".encode("cp1252")) == "Peña €5"
    assert decode_catalog(b"caf\xe9") == "café"
    with pytest.raises(BadRequest):
        decode_catalog(b"caf\xe9 \x81\x8d\x8f")  # not Windows-1252, and control characters in Latin-1
    with pytest.raises(BadRequest):
        decode_catalog("shop".encode("utf-16-le"))
    assert decode_catalog(b"shop,name\nNul,So\x00ap") == "shop,name\nNul,So\x00ap"  # cleaned later
    assert sniff_separator("shop;owner_phone;price\n1,50") == ";"
    assert sniff_separator('\ufeffshop,owner_phone,price\n"1;5"') == ","
