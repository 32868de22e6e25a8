"""Settings are one frozen, typed object: each default written once, environment variables parsed
by the field's type, and a name or value that is wrong refused at start-up, saying which."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from config.settings import DEFAULTS, ENVIRONMENTS, FLASK_KEYS, ROOT, Settings, load_settings

SOURCES = ["gateway", "menus", "config", "scripts", "bench", "wsgi.py", "migrations/env.py"]
# A setting read the old way (a mapping, so the reader could restate a default), or one read
# as an attribute and then given a fallback literal: ``settings.SMS_MAX_ATTEMPTS or 8``.
READ_WITH_A_DEFAULT = re.compile(
    r"settings\.get\(|settings\[|\bsetting\([\w.]*settings|getattr\([\w.]*settings"
    r"|settings\.[A-Z][A-Z0-9_]*\)* or [\d\"'(]")


def _python_files() -> list[Path]:
    found: list[Path] = []
    for name in SOURCES:
        path = ROOT / name
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return found


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_no_module_reads_a_setting_with_a_default_of_its_own() -> None:
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in _python_files()
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if READ_WITH_A_DEFAULT.search(line)]
    assert offenders == []


def test_every_setting_has_its_one_default_on_the_dataclass() -> None:
    assert all(field.default is not dataclasses.MISSING for field in dataclasses.fields(Settings))
    assert Settings() == Settings(**DEFAULTS)
    for changes in ENVIRONMENTS.values():  # an environment changes settings that exist
        assert set(changes) <= set(DEFAULTS)
    assert set(FLASK_KEYS) <= set(DEFAULTS)


def test_each_environment_changes_only_what_it_says(clean_env: pytest.MonkeyPatch) -> None:
    testing, development = load_settings("testing"), load_settings("development")
    assert (testing.ENV, testing.TESTING, testing.PAYMENT_PUSH_DELAY_SECONDS) == ("testing", True, 0)
    assert (development.ENV, development.DEBUG, development.PAYMENT_PUSH_DELAY_SECONDS) == ("development",
                                                                                            True, 3)
    assert testing.USSD_MAX_CHARS == development.USSD_MAX_CHARS == DEFAULTS["USSD_MAX_CHARS"]


@pytest.mark.parametrize(("name", "raw", "value"), [
    ("USSD_MAX_CHARS", "160", 160),
    ("USSD_MAX_CHARS", " 120 ", 120),
    ("PAYMENT_PUSH_DELAY_SECONDS", "0.5", 0.5),
    ("AT_TIMEOUT_SECONDS", "30", 30.0),
    ("MPESA_VERIFY", "no", False),
    ("DAILY_SUMMARY_ENABLED", "Off", False),
    ("RATELIMIT_ENABLED", "YES", True),
    ("LANGUAGES", "en, sw ,", ("en", "sw")),
    ("AT_SENDER_ID", "BODEGA", "BODEGA"),
    ("DEFAULT_REGION", "PE", "PE"),
    ("LOG_LEVEL", "debug", "debug"),
    ("USSD_MAX_QTY", "", DEFAULTS["USSD_MAX_QTY"]),  # an empty variable counts as unset
    ("AT_SENDER_ID", "", None),
])
def test_environment_variables_are_read_by_the_fields_type(clean_env: pytest.MonkeyPatch, name: str,
                                                           raw: str, value: Any) -> None:
    clean_env.setenv(name, raw)
    read = getattr(load_settings("testing"), name)
    assert read == value and type(read) is type(value)


@pytest.mark.parametrize(("name", "raw", "says"), [
    ("USSD_MAX_CHARS", "abc", "USSD_MAX_CHARS: not a whole number: 'abc'"),
    ("USSD_MAX_CHARS", "1.5", "USSD_MAX_CHARS: not a whole number: '1.5'"),
    ("PAYMENT_PUSH_DELAY_SECONDS", "soon", "PAYMENT_PUSH_DELAY_SECONDS: not a number: 'soon'"),
    ("MPESA_VERIFY", "maybe", "MPESA_VERIFY: not one of 1/on/true/yes or 0/false/no/off: 'maybe'"),
    ("LOG_LEVEL", "loud", "LOG_LEVEL: not a log level (DEBUG, INFO, WARNING, ERROR): 'loud'"),
])
def test_a_variable_that_does_not_parse_stops_the_start_naming_it(clean_env: pytest.MonkeyPatch, name: str,
                                                                  raw: str, says: str) -> None:
    clean_env.setenv(name, raw)
    with pytest.raises(RuntimeError) as refused:
        load_settings("testing")
    assert str(refused.value) == says


def test_the_environment_beats_the_environments_value_and_overrides_beat_both(
        clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PAYMENT_PUSH_DELAY_SECONDS", "2")
    assert load_settings("testing").PAYMENT_PUSH_DELAY_SECONDS == 2.0
    assert load_settings("testing", PAYMENT_PUSH_DELAY_SECONDS=1).PAYMENT_PUSH_DELAY_SECONDS == 1.0
    clean_env.setenv("ENV", "production")  # a stray variable of that name picks nothing: BODEGA_ENV does
    assert load_settings("testing").ENV == "testing"


def test_an_unknown_or_mistyped_override_is_refused() -> None:
    with pytest.raises(RuntimeError, match=r"unknown setting\(s\): USSD_MAX_CHARZ"):
        load_settings("testing", USSD_MAX_CHARZ=160)
    with pytest.raises(RuntimeError, match=r"USSD_MAX_CHARS: expected a whole number, got '160'"):
        Settings.for_tests(USSD_MAX_CHARS="160")
    with pytest.raises(RuntimeError, match=r"LANGUAGES: name at least one"):
        Settings.for_tests(LANGUAGES=())
    with pytest.raises(RuntimeError, match="unknown BODEGA_ENV 'staging'"):
        load_settings("staging")


def test_the_settings_cannot_be_changed_once_built() -> None:
    settings = Settings.for_tests()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.USSD_MAX_CHARS = 120  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError)):
        settings.NEW_SETTING = 1  # type: ignore[attr-defined]
    narrower = dataclasses.replace(settings, USSD_MAX_CHARS=120)  # a copy, as a provider's budget makes
    assert (settings.USSD_MAX_CHARS, narrower.USSD_MAX_CHARS) == (Settings().USSD_MAX_CHARS, 120)


def test_for_tests_ignores_the_environment_and_fills_the_time_zones(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("USSD_MAX_QTY", "99")
    settings = Settings.for_tests(DEFAULT_REGION="PE")
    assert settings.USSD_MAX_QTY == Settings().USSD_MAX_QTY
    assert (settings.TIMEZONE, settings.SHOP_TIMEZONE) == ("America/Lima", "America/Lima")


def test_settings_named_by_a_method_or_provider_are_typed_lookups() -> None:
    settings = Settings.for_tests(ORDER_EXPIRY_MINUTES=45, PAGOEFECTIVO_PAY_WITHIN_MINUTES=600,
                                  MPESA_VERIFY=True, AT_USERNAME="bodega")
    assert (settings.pay_within_minutes("pagoefectivo"), settings.pay_within_minutes("mpesa")) == (600, 45)
    assert (settings.verifies("mpesa"), settings.verifies("momo")) == (True, False)
    assert settings.missing("AT_USERNAME", "AT_API_KEY", "TWILIO_FROM") == ["AT_API_KEY", "TWILIO_FROM"]
    with pytest.raises(RuntimeError, match="unknown setting 'AT_USER'"):
        settings.missing("AT_USER")


def test_flask_gets_what_flask_and_its_extensions_read() -> None:
    config = Settings.for_tests(MAX_CONTENT_LENGTH=4096).flask_config()
    assert set(config) == set(FLASK_KEYS)
    assert (config["MAX_CONTENT_LENGTH"], config["TESTING"], config["RATELIMIT_ENABLED"]) == (4096, True,
                                                                                             False)


@pytest.mark.parametrize(("name", "raw"), [
    ("USSD_DIAL_IDLE_SECONDS", "nan"), ("CATALOG_MAX_AGE_SECONDS", "inf"), ("USSD_SESSION_TTL", "0"),
    ("USSD_HOPS_PER_MINUTE", "-5")])
def test_a_time_or_limit_that_cannot_work_stops_the_start(monkeypatch: pytest.MonkeyPatch, name: str,
                                                          raw: str) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(RuntimeError, match=name):
        load_settings("development")
