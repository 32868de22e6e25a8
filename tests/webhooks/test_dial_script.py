"""``make dial``: the terminal handset drives a gateway listening on a real port."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

from config.settings import ROOT


@pytest.fixture
def served(make_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    app: Flask = make_app(WEBHOOK_SECRET="a-long-random-secret")
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(ROOT / "config/demo_catalog.csv")])
    assert result.exit_code == 0, result.output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def dial(url: str, keys: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "dial.py"), "--url", url, *extra],
                          input=keys, capture_output=True, text=True, timeout=60, check=False)


def test_a_whole_order_from_the_terminal(served: str) -> None:
    keys = "\n".join(["1", "1", "1", "2", "1", "3", "2", "1", "q"]) + "\n"
    run = dial(served, keys, "--key", "a-long-random-secret", "--phone", "+254711000333")
    assert run.returncode == 0, run.stderr
    assert "| Welcome to Bodega" in run.stdout
    assert "| 1. Mama Njeri Groceries" in run.stdout
    assert "session ended" in run.stdout
    screens = " ".join(line.strip("| ") for line in run.stdout.splitlines() if line.startswith("|"))
    assert re.search(r"Order [A-HJ-NP-Z2-9]{5} placed\. Total KSh 50, pay at pickup", screens), screens


def test_a_direct_dial_code(served: str) -> None:
    run = dial(served, "\nq\n", "--key", "a-long-random-secret", "--code", "*384*123*2#")
    assert "| Duka la Baraka" in run.stdout


def test_a_wrong_key_is_reported(served: str) -> None:
    run = dial(served, "q\n", "--key", "wrong")
    assert run.returncode == 0
    assert "error: HTTP 403" in run.stderr


def test_a_whole_order_through_hubtel(served: str) -> None:
    keys = "\n".join(["1", "1", "1", "1", "2", "1", "1", "1", "1", "q"]) + "\n"  # no M-Pesa in Ghana
    run = dial(served, keys, "--key", "a-long-random-secret", "--provider", "hubtel",
               "--phone", "+233246912184", "--code", "*713*32#")
    assert run.returncode == 0, run.stderr
    screens = " ".join(line.strip("| ") for line in run.stdout.splitlines() if line.startswith("|"))
    assert "through hubtel" in run.stdout
    assert re.search(r"Order [A-HJ-NP-Z2-9]{5} placed\. Total KSh 50, pay at pickup", screens), screens


@pytest.mark.parametrize("provider", ["arkesel", "nalo"])
def test_arkesel_and_nalo_from_the_terminal(served: str, provider: str) -> None:
    run = dial(served, "1\n2\nq\n", "--key", "a-long-random-secret", "--provider", provider,
               "--phone", "+233246912184", "--code", "*713*32#")
    assert run.returncode == 0, run.stderr
    assert "| 1. Mama Njeri Groceries" in run.stdout
    assert "Vegetables" in run.stdout  # "1" opened the shop; "2" then went on from there
