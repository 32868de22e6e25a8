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
    assert "town" not in home and "\n95 " not in home
    assert dialer.dial("1").startswith("CON Mama Njeri Groceries")


def test_a_new_customer_picks_a_town_first_and_it_is_remembered(dialer: Dialer, app: Flask,
                                                                 demo_catalog: None) -> None:
    _towns(app)
    home = dialer.dial()  # the towns take the shops' place on the first screen
    assert "\n1. Kasarani\n2. Lima\n" in home and "\n95 Choose your town" in home
    lima = dialer.dial("2")
    assert "\n1. Tienda Do" in lima and "Mama Njeri" not in lima
    again = dialer.dial()  # a new dial: the town is remembered
    assert "\n1. Tienda Do" in again and "Kasarani" not in again
    assert dialer.dial("95").startswith("CON Choose your town")
    kasarani = dialer.dial("1")
    assert "Mama Njeri Groceries" in kasarani and "Duka la Baraka" in kasarani and "Tienda" not in kasarani


def test_a_direct_code_works_from_any_town(dialer: Dialer, app: Flask, demo_catalog: None) -> None:
    _towns(app)
    dialer.walk("2")  # lives in Lima now
    direct = dialer.dial(text="1")
    assert direct.startswith("CON Mama Njeri Groceries")


def test_search_from_home_keeps_to_the_customers_town(dialer: Dialer, app: Flask, demo_catalog: None) -> None:
    _towns(app)
    dialer.walk("1")  # lives in Kasarani: Tienda Dona Lucia (Lima) is not on their first screen
    found = dialer.walk("90", "azucar")
    assert found.startswith("CON No match for 'azucar'."), found  # Lima's sugar is not offered
    assert dialer.dial("sugar").startswith("CON Found for 'sugar':\n1. Sugar 1kg - KSh 170"), dialer.screen
    dialer.walk("95", "2")  # moves to Lima: Lima's sugar is found, Kasarani's is not
    dialer.walk("90")
    assert "Azucar morena 1kg" in dialer.dial("azucar")
    assert dialer.walk("90", "sugar").startswith("CON No match for 'sugar'.")
