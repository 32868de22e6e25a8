"""Shops by town: with shops in more than one town a new customer picks a town first (remembered,
changeable from the home screen) and sees that town's shops; a shop's direct code works anyway."""

from __future__ import annotations

from flask import Flask

from tests.conftest import Dialer


def _towns(app: Flask) -> None:
    cli = app.test_cli_runner()
    for number, town in (("1", "Kasarani"), ("2", "Kasarani"), ("3", "Lima")):
        assert cli.invoke(args=["shop", "set", number, "--town", town]).exit_code == 0


def test_one_town_asks_nothing(dialer: Dialer, app: Flask, demo_catalog: None) -> None:
    home = dialer.dial()
    assert "Town" not in home and "6." not in home
    assert dialer.dial("1").startswith("CON Choose a shop")


def test_a_new_customer_picks_a_town_first_and_it_is_remembered(dialer: Dialer, app: Flask,
                                                                 demo_catalog: None) -> None:
    _towns(app)
    home = dialer.dial()
    assert "6. Choose your town" in home
    towns = dialer.dial("1")
    assert towns.startswith("CON Choose your town\n1. Kasarani\n2. Lima")
    lima = dialer.dial("2")
    assert lima.startswith("CON Shops in Lima\n1. Tienda Do") and "Mama Njeri" not in lima
    again = dialer.walk("1")  # a new dial: the town is remembered
    assert again.startswith("CON Shops in Lima")
    assert "6. Town: Lima" in dialer.dial()
    assert dialer.dial("6").startswith("CON Choose your town")
    kasarani = dialer.dial("1")
    assert "Mama Njeri Groceries" in kasarani and "Duka la Baraka" in kasarani and "Tienda" not in kasarani


def test_a_direct_code_works_from_any_town(dialer: Dialer, app: Flask, demo_catalog: None) -> None:
    _towns(app)
    dialer.walk("1", "2")  # lives in Lima now
    direct = dialer.dial(text="1")
    assert direct.startswith("CON Mama Njeri Groceries")
