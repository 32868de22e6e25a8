"""The gateway's settings: one frozen, typed ``Settings``, built once per process by ``load_settings``.

Each setting is a field of ``Settings`` with its one default. ``ENVIRONMENTS`` holds what
development, testing and production change; an environment variable of the same name overrides
that, parsed by the field's type; keyword overrides (tests, benchmarks) go on top.

``development`` is the default: SQLite under ``instance/``, an embedded Redis, a console SMS
outbox and the sandbox payment provider, so a fresh clone runs end to end with no accounts.
``production`` refuses to start without its secrets.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_type_hints

from config.log_levels import bodega_level
from config.timezones import zone, zone_for_region

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"  # production refuses to start with it


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting, typed; read as attributes (``rt.settings.USSD_MAX_CHARS``), never changed."""

    ENV: str = "development"  # BODEGA_ENV: development, testing or production
    DEBUG: bool = False
    TESTING: bool = False
    SECRET_KEY: str = DEVELOPMENT_SECRET_KEY
    DATABASE_URL: str = f"sqlite:///{INSTANCE / 'bodega.db'}"
    REDIS_URL: str | None = None  # unset: an embedded server under instance/ (gateway.core.runtime)
    WEBHOOK_SECRET: str | None = None
    # Bodega's log level; RQ's, granian's and HTTP clients' internals log WARNING and up unless DEBUG
    LOG_LEVEL: str = "INFO"
    # One terminal line per USSD hop (at INFO). Production leaves it off: every hop is in the
    # session log already, and at hundreds of hops a second the line was a tenth of a hop's CPU.
    LOG_HOPS: bool = True
    # USSD
    USSD_MAX_CHARS: int = 182
    USSD_SESSION_TTL: int = 300
    # A dial with no hop for this long has vanished: its transcript goes to SQL without an END.
    USSD_DIAL_IDLE_SECONDS: float = 200
    CATALOG_CACHE_SHOPS: int = 512  # shops whose catalog a web process keeps (least recently used go)
    CATALOG_CACHE_PRODUCTS: int = 50_000  # ... and their products, at most (about 0.5 KB each)
    CATALOG_MAX_AGE_SECONDS: float = 60  # a snapshot is read again after this long, whatever its version
    USSD_SERVICE_CODE: str | None = None
    USSD_MAX_QTY: int = 10
    USSD_HOPS_PER_MINUTE: int = 60
    DEFAULT_REGION: str = "KE"
    # The clock of the console, the dashboard's days and every time an SMS mentions; empty: the
    # DEFAULT_REGION's zone (config/region_timezones.txt), filled in when the settings are built.
    TIMEZONE: str = ""
    DEFAULT_CURRENCY: str = "KES"
    LANGUAGES: tuple[str, ...] = ("en", "es", "sw")
    # SMS (Africa's Talking); AT_USERNAME unset means the console outbox, which production refuses
    # unless SMS_PROVIDER=console says so (messages then stay in the outbox, marked sent).
    SMS_PROVIDER: str | None = None
    AT_USERNAME: str | None = None
    AT_API_KEY: str | None = None
    AT_API_URL: str | None = None
    AT_SENDER_ID: str | None = None
    AT_SHORTCODE: str | None = None
    AT_TIMEOUT_SECONDS: float = 10  # read timeout of one send (connect: 3 s)
    SMS_MAX_ATTEMPTS: int = 8  # then the message is marked failed with the last reason
    # Carrier per destination, e.g. "+254=africastalking,+233=infobip,+51=twilio,*=console";
    # unset: the one configured provider (AT, else Twilio, else Infobip, else the console)
    SMS_ROUTES: str | None = None
    SMS_TIMEOUT_SECONDS: float = 10  # read timeout of one Twilio or Infobip send (connect: 3 s)
    # SMS (Twilio); status callbacks and inbound texts must carry X-Twilio-Signature
    TWILIO_ACCOUNT_SID: str | None = None
    TWILIO_AUTH_TOKEN: str | None = None
    TWILIO_FROM: str | None = None  # a Twilio number (+1...) or an alphanumeric sender
    TWILIO_API_URL: str = "https://api.twilio.com"
    # SMS (Infobip); the base URL is the account's own (https://xxxxx.api.infobip.com)
    INFOBIP_BASE_URL: str | None = None
    INFOBIP_API_KEY: str | None = None
    INFOBIP_FROM: str | None = None
    # Payments (M-Pesa Daraja); MPESA_CONSUMER_KEY unset means the sandbox provider
    MPESA_BASE_URL: str = "https://sandbox.safaricom.co.ke"
    MPESA_CONSUMER_KEY: str | None = None
    MPESA_CONSUMER_SECRET: str | None = None
    MPESA_SHORTCODE: str = "174379"
    MPESA_PASSKEY: str | None = None
    MPESA_TRANSACTION_TYPE: str = "CustomerPayBillOnline"
    MPESA_PARTY_B: str | None = None  # till number for CustomerBuyGoodsOnline; unset: the shortcode
    MPESA_VERIFY: bool = True  # ask Daraja whether a callback's "paid" is true before settling
    MPESA_TIMEOUT_SECONDS: float = 15
    # MTN MoMo Collection; MOMO_SUBSCRIPTION_KEY unset means the sandbox wallet collects "momo"
    MOMO_BASE_URL: str = "https://sandbox.momodeveloper.mtn.com"
    MOMO_SUBSCRIPTION_KEY: str | None = None
    MOMO_API_USER: str | None = None
    MOMO_API_KEY: str | None = None
    MOMO_TARGET_ENVIRONMENT: str = "sandbox"  # mtnuganda, mtnghana ... in production (sandbox: EUR only)
    MOMO_TIMEOUT_SECONDS: float = 15
    # Airtel Money; AIRTEL_CLIENT_ID unset means the sandbox wallet collects "airtel"
    AIRTEL_BASE_URL: str = "https://openapiuat.airtel.africa"
    AIRTEL_CLIENT_ID: str | None = None
    AIRTEL_CLIENT_SECRET: str | None = None
    AIRTEL_COUNTRY: str = "UG"  # the merchant account's country (X-Country)
    AIRTEL_TIMEOUT_SECONDS: float = 15
    # PagoEfectivo (Peru); PAGOEFECTIVO_ACCESS_KEY unset means the sandbox wallet collects it
    PAGOEFECTIVO_BASE_URL: str = "https://pre1a.services.pagoefectivo.pe"
    PAGOEFECTIVO_SERVICE_ID: str | None = None
    PAGOEFECTIVO_ACCESS_KEY: str | None = None
    PAGOEFECTIVO_SECRET_KEY: str | None = None
    PAGOEFECTIVO_TIMEOUT_SECONDS: float = 15
    PAGOEFECTIVO_PAY_WITHIN_MINUTES: int = 24 * 60  # a CIP is paid at an agent: the order waits a day
    PAYMENT_STALE_SECONDS: int = 180  # no callback this long after the prompt: ask Daraja (STK query)
    PAYMENT_PUSH_DELAY_SECONDS: float = 3
    # Offered at checkout in this order, each only to customers it can charge (gateway/commerce/wallets.py)
    PAYMENT_METHODS: tuple[str, ...] = ("mpesa", "momo", "airtel", "pagoefectivo", "cash")
    SANDBOX_PAYMENT_SECONDS: float = 5
    PUBLIC_URL: str = "http://127.0.0.1:8000"
    ORDER_EXPIRY_MINUTES: int = 30
    LOW_STOCK_THRESHOLD: int = 3  # the console's low-stock panel lists shown products with this many or fewer
    # Housekeeping
    SESSION_LOG_RETENTION_DAYS: int = 90
    DAILY_SUMMARY_ENABLED: bool = True
    DAILY_SUMMARY_HOUR: int = 20
    # Shops texting commands: the shops' day (summary hour, PIN lock times); empty: TIMEZONE
    SHOP_TIMEZONE: str = ""
    SHOP_PIN_MAX_TRIES: int = 3
    SHOP_PIN_LOCK_MINUTES: int = 30
    SMS_REPLIES_PER_HOUR: int = 30  # per number: a phone answering our replies cannot start a loop
    # Flask and its extensions (FLASK_KEYS)
    MAX_CONTENT_LENGTH: int = 64 * 1024
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    # A console session cookie is refused this many seconds after it was issued, so a stolen one
    # does not work for weeks (Flask's default is 31 days).
    PERMANENT_SESSION_LIFETIME: int = 12 * 3600
    SESSION_COOKIE_SECURE: bool = False
    RATELIMIT_ENABLED: bool = True
    WTF_CSRF_ENABLED: bool = True
    # Reverse proxies in front of the app that set X-Forwarded-For (0: clients connect directly).
    TRUSTED_PROXIES: int = 0

    @classmethod
    def for_tests(cls, **overrides: Any) -> Settings:
        """The testing settings with ``overrides``, whatever the environment says (a test's context)."""
        return build("testing", {}, overrides)

    def pay_within_minutes(self, method: str) -> int:
        """How long an order paid by ``method`` waits for its payment."""
        waits = {"pagoefectivo": self.PAGOEFECTIVO_PAY_WITHIN_MINUTES}
        return waits.get(method, self.ORDER_EXPIRY_MINUTES)

    def verifies(self, provider: str) -> bool:
        """Whether a ``provider`` callback saying "paid" is confirmed by a query before it settles."""
        return {"mpesa": self.MPESA_VERIFY}.get(provider, False)

    def missing(self, *names: str) -> list[str]:
        """Those of the settings ``names`` that are unset (None, empty or only spaces), in the order
        given."""
        return [name for name in names if not str(getattr(self, _field(name)) or "").strip()]

    def flask_config(self) -> dict[str, Any]:
        """What Flask and its extensions read from ``app.config``."""
        return {name: getattr(self, name) for name in FLASK_KEYS}


FLASK_KEYS = ("DEBUG", "TESTING", "SECRET_KEY", "MAX_CONTENT_LENGTH", "SESSION_COOKIE_HTTPONLY",
              "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_SECURE", "PERMANENT_SESSION_LIFETIME",
              "RATELIMIT_ENABLED", "WTF_CSRF_ENABLED")

# What each environment changes; every other setting keeps its default.
ENVIRONMENTS: dict[str, dict[str, Any]] = {
    "development": {"DEBUG": True},
    "testing": {"TESTING": True, "RATELIMIT_ENABLED": False, "PAYMENT_PUSH_DELAY_SECONDS": 0,
                "MPESA_VERIFY": False},
    "production": {"SESSION_COOKIE_SECURE": True, "LOG_HOPS": False},
}
# Times, limits and sizes that make no sense at 0 or below (a TTL of 0 fails every save).
POSITIVE = ("USSD_MAX_CHARS", "USSD_SESSION_TTL", "USSD_DIAL_IDLE_SECONDS", "USSD_HOPS_PER_MINUTE",
            "USSD_MAX_QTY", "CATALOG_CACHE_SHOPS", "CATALOG_CACHE_PRODUCTS", "CATALOG_MAX_AGE_SECONDS",
            "SMS_MAX_ATTEMPTS")
PRODUCTION_REQUIRED = ("SECRET_KEY", "WEBHOOK_SECRET", "DATABASE_URL", "REDIS_URL")
# Production secrets must be long random values: the webhook key is all that stands between the
# internet and the callbacks (AT and Daraja sign nothing), and SECRET_KEY signs admin sessions.
MIN_SECRET_LENGTH = 16
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def _parse_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ValueError(f"not one of {'/'.join(sorted(TRUE_WORDS))} or {'/'.join(sorted(FALSE_WORDS))}")
    return word in TRUE_WORDS


def _parse_int(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ValueError("not a whole number") from None


def _parse_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return value


def _parse_words(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


@dataclass(frozen=True)
class _Kind:
    """How a field's type reads an environment variable and which override values it accepts."""

    parse: Callable[[str], Any]
    accepts: Callable[[Any], bool]
    label: str


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_words(value: Any) -> bool:
    return isinstance(value, tuple) and all(isinstance(word, str) for word in value)


KINDS: dict[Any, _Kind] = {
    bool: _Kind(_parse_bool, lambda v: isinstance(v, bool), "true or false"),
    int: _Kind(_parse_int, lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    float: _Kind(_parse_float, _is_number, "a number"),
    str: _Kind(str, lambda v: isinstance(v, str), "text"),
    str | None: _Kind(str, lambda v: v is None or isinstance(v, str), "text or None"),
    tuple[str, ...]: _Kind(_parse_words, _is_words,
                           "a tuple of text"),
}
TYPES: dict[str, Any] = get_type_hints(Settings)
DEFAULTS: dict[str, Any] = {field.name: field.default for field in dataclasses.fields(Settings)}
FIELDS = tuple(DEFAULTS)
_unknown_types = {name: kind for name, kind in TYPES.items() if kind not in KINDS}
if _unknown_types:
    raise TypeError(f"settings of a type with no parser: {_unknown_types}")


def _field(name: str) -> str:
    if name not in TYPES:
        raise RuntimeError(f"unknown setting {name!r}")
    return name


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """The settings set in ``environ`` (an empty variable counts as unset), parsed by type.

    Raises ``RuntimeError`` naming the variable when its value does not parse.
    """
    values: dict[str, Any] = {}
    for name in FIELDS:
        raw = environ.get(name)
        if name == "ENV" or raw is None or not raw.strip():
            continue  # ENV comes from BODEGA_ENV, never from a variable called ENV
        try:
            values[name] = KINDS[TYPES[name]].parse(raw)
        except ValueError as exc:
            raise RuntimeError(f"{name}: {exc}: {raw!r}") from None
    return values


def _checked(overrides: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(overrides) - set(FIELDS))
    if unknown:
        raise RuntimeError(f"unknown setting(s): {', '.join(unknown)}")
    values = {}
    for name, value in overrides.items():
        kind = KINDS[TYPES[name]]
        if not kind.accepts(value):
            raise RuntimeError(f"{name}: expected {kind.label}, got {value!r}")
        values[name] = float(value) if TYPES[name] is float else value
    return values


def build(env: str, environ: Mapping[str, str], overrides: Mapping[str, Any]) -> Settings:
    """``env``'s settings: the defaults, the environment's changes, ``environ``, then ``overrides``.

    Fills the time zones; raises ``RuntimeError`` for an unknown environment, setting, zone or log
    level, a value that does not parse, or an empty list of languages or payment methods.
    """
    if env not in ENVIRONMENTS:
        raise RuntimeError(f"unknown BODEGA_ENV {env!r}; use one of {sorted(ENVIRONMENTS)}")
    values = {**DEFAULTS, **_checked(ENVIRONMENTS[env]), **from_environment(environ), "ENV": env,
              **_checked(overrides)}
    values["TIMEZONE"] = values["TIMEZONE"] or zone_for_region(values["DEFAULT_REGION"])
    values["SHOP_TIMEZONE"] = values["SHOP_TIMEZONE"] or values["TIMEZONE"]
    _refuse_unusable(values)
    return Settings(**values)


def _refuse_unusable(values: Mapping[str, Any]) -> None:
    for key in ("TIMEZONE", "SHOP_TIMEZONE"):
        try:
            zone(values[key])
        except ValueError as exc:
            raise RuntimeError(f"{key}: {exc}") from None
    try:
        bodega_level(values["LOG_LEVEL"])
    except ValueError as exc:
        raise RuntimeError(f"LOG_LEVEL: {exc}: {values['LOG_LEVEL']!r}") from None
    for key in ("LANGUAGES", "PAYMENT_METHODS"):
        if not values[key]:
            raise RuntimeError(f"{key}: name at least one")
    for key in POSITIVE:
        if not values[key] > 0:
            raise RuntimeError(f"{key}: must be more than 0, not {values[key]!r}")


def _missing_sms_provider(settings: Settings) -> list[str]:
    """Production texts people: Africa's Talking credentials, or ``SMS_PROVIDER=console`` on
    purpose (a staging box), never the console outbox by accident (messages marked sent that
    never leave)."""
    if settings.SMS_PROVIDER == "console" or settings.SMS_ROUTES:
        return []  # routes to a carrier without its settings fail each message, with the reason
    if settings.TWILIO_ACCOUNT_SID or settings.INFOBIP_API_KEY:
        return []  # their other settings are checked when the transport is built
    if not settings.AT_USERNAME:
        return ["AT_USERNAME and AT_API_KEY (an SMS provider; or Twilio's or Infobip's settings, "
                "or SMS_ROUTES; or SMS_PROVIDER=console on purpose)"]
    return [] if settings.AT_API_KEY else ["AT_API_KEY"]


def _refuse_unsafe_production(settings: Settings) -> None:
    """Judged on the settings as built: a variable that is blank (or only spaces) is as unset as
    a missing one, and a default (the development key, the SQLite file, the embedded Redis) is no
    production setting."""
    missing = [key for key in settings.missing(*PRODUCTION_REQUIRED) if key != "SECRET_KEY"]
    if DEFAULTS["DATABASE_URL"] == settings.DATABASE_URL and "DATABASE_URL" not in missing:
        missing.append("DATABASE_URL (still the development SQLite file)")
    if not settings.SECRET_KEY.strip() or settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        missing.append("SECRET_KEY (still the development default)")
    secrets = {"SECRET_KEY": settings.SECRET_KEY, "WEBHOOK_SECRET": settings.WEBHOOK_SECRET}
    missing += [f"{key} (too short: use {MIN_SECRET_LENGTH}+ random characters)"
                for key, value in secrets.items() if value and len(value) < MIN_SECRET_LENGTH]
    missing += _missing_sms_provider(settings)
    if missing:
        raise RuntimeError("production refuses to start without: " + ", ".join(missing))


def load_settings(name: str | None = None, **overrides: Any) -> Settings:
    """Settings for ``name`` (default ``BODEGA_ENV`` or development) from the process's environment,
    with ``overrides`` on top. Build them once per process and pass them down.

    Raises ``RuntimeError`` for an unknown setting or a value that does not parse (naming it), and
    when production is missing a secret or still uses a default one.
    """
    env = name or os.environ.get("BODEGA_ENV", "development")
    settings = build(env, os.environ, overrides)
    if env == "production":
        _refuse_unsafe_production(settings)
    return settings
