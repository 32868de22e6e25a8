"""Secrets come from the environment only, and production refuses to start without them."""

from __future__ import annotations

import dataclasses
import re

import pytest

from config.settings import DEVELOPMENT_SECRET_KEY, Settings, load_settings
from gateway.app import create_app

GOOD_ENV = {
    "SECRET_KEY": "k" * 40,
    "WEBHOOK_SECRET": "w" * 40,
    "DATABASE_URL": "postgresql+psycopg://bodega@127.0.0.1/bodega",
    "REDIS_URL": "redis://127.0.0.1:6379/6",
    "AT_USERNAME": "bodega",
    "AT_API_KEY": "atsk_" + "a" * 40,
}
SECRET_NAME = re.compile(r"SECRET|API_KEY|PASSKEY|PASSWORD|TOKEN")


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    carriers = ("SMS_PROVIDER", "SMS_ROUTES", "TWILIO_ACCOUNT_SID", "INFOBIP_API_KEY")
    for name in (*GOOD_ENV, "BODEGA_ENV", *carriers):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_refuses_to_start_without_its_secrets(bare_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(RuntimeError) as refused:
        load_settings("production")
    for name in ("SECRET_KEY", "WEBHOOK_SECRET", "DATABASE_URL", "REDIS_URL", "AT_USERNAME"):
        assert name in str(refused.value)
    with pytest.raises(RuntimeError, match="production refuses to start"):
        create_app("production")


def test_production_refuses_the_development_secret_key(bare_env: pytest.MonkeyPatch) -> None:
    for name, value in GOOD_ENV.items():
        bare_env.setenv(name, value)
    bare_env.setenv("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_settings("production")


@pytest.mark.parametrize("name", ["SECRET_KEY", "WEBHOOK_SECRET"])
def test_production_refuses_a_short_secret(bare_env: pytest.MonkeyPatch, name: str) -> None:
    for key, value in GOOD_ENV.items():
        bare_env.setenv(key, value)
    bare_env.setenv(name, "hunter2")
    with pytest.raises(RuntimeError, match=f"{name} .*too short"):
        load_settings("production")


def test_production_starts_with_secrets_from_the_environment(bare_env: pytest.MonkeyPatch) -> None:
    for name, value in GOOD_ENV.items():
        bare_env.setenv(name, value)
    settings = load_settings("production")
    assert {name: getattr(settings, name) for name in GOOD_ENV} == GOOD_ENV
    assert settings.SESSION_COOKIE_SECURE is True
    assert settings.DEBUG is False
    assert settings.LOG_HOPS is False  # every hop is in the session log, not a terminal line each


def test_no_secret_has_a_default_in_the_code() -> None:
    """Every secret-like setting defaults to None, except SECRET_KEY, whose default production refuses."""
    defaults = {field.name: field.default for field in dataclasses.fields(Settings)
                if SECRET_NAME.search(field.name)}
    assert "WEBHOOK_SECRET" in defaults and "AT_API_KEY" in defaults
    with_values = {name for name, value in defaults.items() if value is not None}
    assert with_values == {"SECRET_KEY"}


def test_production_refuses_to_start_without_an_sms_provider(bare_env: pytest.MonkeyPatch) -> None:
    """Production once started on the console outbox: messages marked sent that never left."""
    for name, value in GOOD_ENV.items():
        if not name.startswith("AT_"):
            bare_env.setenv(name, value)
    with pytest.raises(RuntimeError, match=r"AT_USERNAME and AT_API_KEY .*SMS_PROVIDER=console"):
        load_settings("production")
    bare_env.setenv("AT_USERNAME", "bodega")
    with pytest.raises(RuntimeError, match="AT_API_KEY"):
        load_settings("production")
    bare_env.delenv("AT_USERNAME")
    bare_env.setenv("SMS_PROVIDER", "console")  # said on purpose: a staging box, say
    assert load_settings("production").SMS_PROVIDER == "console"


@pytest.mark.parametrize(("name", "value"), [("TWILIO_ACCOUNT_SID", "AC1"), ("INFOBIP_API_KEY", "k"),
                                             ("SMS_ROUTES", "+51=twilio,*=africastalking")])
def test_production_starts_with_another_carrier_or_routes(bare_env: pytest.MonkeyPatch, name: str,
                                                          value: str) -> None:
    for good, setting in GOOD_ENV.items():
        if not good.startswith("AT_"):
            bare_env.setenv(good, setting)
    bare_env.setenv(name, value)
    assert getattr(load_settings("production"), name) == value


@pytest.mark.parametrize("name", ["WEBHOOK_SECRET", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"])
def test_production_counts_a_blank_secret_as_missing(bare_env: pytest.MonkeyPatch, name: str) -> None:
    for key, value in GOOD_ENV.items():
        bare_env.setenv(key, value)
    bare_env.setenv(name, "   ")  # blank: the default would be used, so it must not pass as set
    with pytest.raises(RuntimeError, match=f"production refuses to start without: .*{name}"):
        load_settings("production")


def test_production_refuses_the_development_database(bare_env: pytest.MonkeyPatch) -> None:
    for key, value in GOOD_ENV.items():
        if key != "DATABASE_URL":
            bare_env.setenv(key, value)
    with pytest.raises(RuntimeError, match="DATABASE_URL"):
        load_settings("production", WEBHOOK_SECRET="w" * 40)
