"""Configuration classes, overridden by environment variables.

``Development`` is the default: SQLite under ``instance/``, an embedded Redis, a console SMS
outbox and the sandbox payment provider, so a fresh clone runs end to end with no accounts.
``Production`` refuses to start without its secrets.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from config.timezones import zone, zone_for_region

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


class Base:
    ENV = "base"
    DEBUG = False
    TESTING = False
    SECRET_KEY = "dev-only-not-secret"
    DATABASE_URL = f"sqlite:///{INSTANCE / 'bodega.db'}"
    REDIS_URL: str | None = None
    WEBHOOK_SECRET: str | None = None
    # USSD
    USSD_MAX_CHARS = 182
    USSD_SESSION_TTL = 300
    # A dial with no hop for this long has vanished: its transcript goes to SQL without an END.
    USSD_DIAL_IDLE_SECONDS = 200
    CATALOG_CACHE_SHOPS = 64  # shops whose catalog a web process keeps in memory (least recently used go)
    CATALOG_MAX_AGE_SECONDS = 60  # a snapshot is read again after this long, whatever its version
    USSD_SERVICE_CODE: str | None = None
    USSD_MAX_QTY = 10
    USSD_HOPS_PER_MINUTE = 60
    DEFAULT_REGION = "KE"
    # The clock of the console, the dashboard's days and every time an SMS mentions; unset: the
    # DEFAULT_REGION's zone (config/region_timezones.txt).
    TIMEZONE: str | None = None
    DEFAULT_CURRENCY = "KES"
    LANGUAGES = ("en", "es", "sw")
    # SMS (Africa's Talking); AT_USERNAME unset means the console outbox, which production refuses
    # unless SMS_PROVIDER=console says so (messages then stay in the outbox, marked sent).
    SMS_PROVIDER: str | None = None
    AT_USERNAME: str | None = None
    AT_API_KEY: str | None = None
    AT_API_URL: str | None = None
    AT_SENDER_ID: str | None = None
    AT_SHORTCODE: str | None = None
    AT_TIMEOUT_SECONDS = 10  # read timeout of one send (connect: 3 s)
    SMS_MAX_ATTEMPTS = 8  # then the message is marked failed with the last reason
    # Carrier per destination, e.g. "+254=africastalking,+233=infobip,+51=twilio,*=console";
    # unset: the one configured provider (AT, else Twilio, else Infobip, else the console)
    SMS_ROUTES: str | None = None
    SMS_TIMEOUT_SECONDS = 10  # read timeout of one Twilio or Infobip send (connect: 3 s)
    # SMS (Twilio); status callbacks and inbound texts must carry X-Twilio-Signature
    TWILIO_ACCOUNT_SID: str | None = None
    TWILIO_AUTH_TOKEN: str | None = None
    TWILIO_FROM: str | None = None  # a Twilio number (+1...) or an alphanumeric sender
    TWILIO_API_URL = "https://api.twilio.com"
    # SMS (Infobip); the base URL is the account's own (https://xxxxx.api.infobip.com)
    INFOBIP_BASE_URL: str | None = None
    INFOBIP_API_KEY: str | None = None
    INFOBIP_FROM: str | None = None
    # Payments (M-Pesa Daraja); MPESA_CONSUMER_KEY unset means the sandbox provider
    MPESA_BASE_URL = "https://sandbox.safaricom.co.ke"
    MPESA_CONSUMER_KEY: str | None = None
    MPESA_CONSUMER_SECRET: str | None = None
    MPESA_SHORTCODE = "174379"
    MPESA_PASSKEY: str | None = None
    MPESA_TRANSACTION_TYPE = "CustomerPayBillOnline"
    MPESA_PARTY_B: str | None = None  # till number for CustomerBuyGoodsOnline; default the shortcode
    MPESA_VERIFY = True
    MPESA_TIMEOUT_SECONDS = 15
    # MTN MoMo Collection; MOMO_SUBSCRIPTION_KEY unset means the sandbox wallet collects "momo"
    MOMO_BASE_URL = "https://sandbox.momodeveloper.mtn.com"
    MOMO_SUBSCRIPTION_KEY: str | None = None
    MOMO_API_USER: str | None = None
    MOMO_API_KEY: str | None = None
    MOMO_TARGET_ENVIRONMENT = "sandbox"  # mtnuganda, mtnghana ... in production (sandbox: EUR only)
    MOMO_TIMEOUT_SECONDS = 15
    # Airtel Money; AIRTEL_CLIENT_ID unset means the sandbox wallet collects "airtel"
    AIRTEL_BASE_URL = "https://openapiuat.airtel.africa"
    AIRTEL_CLIENT_ID: str | None = None
    AIRTEL_CLIENT_SECRET: str | None = None
    AIRTEL_COUNTRY = "UG"  # the merchant account's country (X-Country)
    AIRTEL_TIMEOUT_SECONDS = 15
    # PagoEfectivo (Peru); PAGOEFECTIVO_ACCESS_KEY unset means the sandbox wallet collects it
    PAGOEFECTIVO_BASE_URL = "https://pre1a.services.pagoefectivo.pe"
    PAGOEFECTIVO_SERVICE_ID: str | None = None
    PAGOEFECTIVO_ACCESS_KEY: str | None = None
    PAGOEFECTIVO_SECRET_KEY: str | None = None
    PAGOEFECTIVO_TIMEOUT_SECONDS = 15
    PAGOEFECTIVO_PAY_WITHIN_MINUTES = 24 * 60  # a CIP is paid at an agent: the order waits a day
    PAYMENT_STALE_SECONDS = 180  # no callback this long after the prompt: ask Daraja (STK query)
    PAYMENT_PUSH_DELAY_SECONDS = 3
    # Offered at checkout in this order, each only to customers it can charge (gateway/commerce/wallets.py)
    PAYMENT_METHODS = ("mpesa", "momo", "airtel", "pagoefectivo", "cash")
    SANDBOX_PAYMENT_SECONDS = 5
    PUBLIC_URL = "http://127.0.0.1:8000"
    ORDER_EXPIRY_MINUTES = 30
    LOW_STOCK_THRESHOLD = 3  # the console's low-stock panel lists shown products with this many or fewer
    # Housekeeping
    SESSION_LOG_RETENTION_DAYS = 90
    DAILY_SUMMARY_ENABLED = True
    DAILY_SUMMARY_HOUR = 20
    # Shops texting commands (issue 4)
    SHOP_TIMEZONE: str | None = None  # the shops' day (summary hour, PIN lock times); unset: TIMEZONE
    SHOP_PIN_MAX_TRIES = 3
    SHOP_PIN_LOCK_MINUTES = 30
    SMS_REPLIES_PER_HOUR = 30  # per number: a phone answering our replies cannot start a loop
    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A console session cookie is refused this many seconds after it was issued, so a stolen one
    # does not work for weeks (Flask's default is 31 days).
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    SESSION_COOKIE_SECURE = False
    RATELIMIT_ENABLED = True
    # Reverse proxies in front of the app that set X-Forwarded-For (0: clients connect directly).
    TRUSTED_PROXIES = 0

    @classmethod
    def load(cls) -> dict[str, Any]:
        """Return the settings of this class, each overridden by an environment variable."""
        values: dict[str, Any] = {}
        for name in dir(cls):
            if not name.isupper():
                continue
            default = getattr(cls, name)
            values[name] = _override(name, default)
        return values


def setting(settings: Mapping[str, Any], name: str) -> Any:
    """``settings[name]``, else the default written once in ``Base``: a caller handed a partial
    mapping (a screen's context in a test) never restates a default of its own."""
    return settings[name] if name in settings else getattr(Base, name)


def _override(name: str, default: Any) -> Any:
    if name not in os.environ:
        return default
    if isinstance(default, bool):
        return _env_bool(name, default)
    if isinstance(default, int):
        return _env_int(name, default)
    if isinstance(default, tuple):
        return tuple(part.strip() for part in os.environ[name].split(",") if part.strip())
    return os.environ[name] or None


class Development(Base):
    ENV = "development"
    DEBUG = True


class Testing(Base):
    ENV = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = False
    PAYMENT_PUSH_DELAY_SECONDS = 0
    MPESA_VERIFY = False


class Production(Base):
    ENV = "production"
    SESSION_COOKIE_SECURE = True
    REQUIRED = ("SECRET_KEY", "WEBHOOK_SECRET", "DATABASE_URL", "REDIS_URL")


# Production secrets must be long random values: the webhook key is all that stands between the
# internet and the callbacks (AT and Daraja sign nothing), and SECRET_KEY signs admin sessions.
MIN_SECRET_LENGTH = 16

def _local_time(values: dict[str, Any]) -> None:
    """Fill ``TIMEZONE`` from the region and ``SHOP_TIMEZONE`` from it; refuse an unknown zone."""
    values["TIMEZONE"] = values.get("TIMEZONE") or zone_for_region(values.get("DEFAULT_REGION"))
    values["SHOP_TIMEZONE"] = values.get("SHOP_TIMEZONE") or values["TIMEZONE"]
    for key in ("TIMEZONE", "SHOP_TIMEZONE"):
        try:
            zone(values[key])
        except ValueError as exc:
            raise RuntimeError(f"{key}: {exc}") from None


CONFIGS: dict[str, type[Base]] = {
    "development": Development,
    "testing": Testing,
    "production": Production,
}


def _missing_sms_provider(values: dict[str, Any]) -> list[str]:
    """Production texts people: Africa's Talking credentials, or ``SMS_PROVIDER=console`` on
    purpose (a staging box), never the console outbox by accident (messages marked sent that
    never leave)."""
    if values.get("SMS_PROVIDER") == "console" or values.get("SMS_ROUTES"):
        return []  # routes to a carrier without its settings fail each message, with the reason
    if values.get("TWILIO_ACCOUNT_SID") or values.get("INFOBIP_API_KEY"):
        return []  # their other settings are checked when the transport is built
    if not values.get("AT_USERNAME"):
        return ["AT_USERNAME and AT_API_KEY (an SMS provider; or Twilio's or Infobip's settings, "
                "or SMS_ROUTES; or SMS_PROVIDER=console on purpose)"]
    return [] if values.get("AT_API_KEY") else ["AT_API_KEY"]


def load_settings(name: str | None = None, **overrides: Any) -> dict[str, Any]:
    """Settings for ``name`` (default ``BODEGA_ENV`` or development) with ``overrides`` on top.

    Raises ``RuntimeError`` when production is missing a secret or still uses a default one.
    """
    env = name or os.environ.get("BODEGA_ENV", "development")
    cls = CONFIGS.get(env)
    if cls is None:
        raise RuntimeError(f"unknown BODEGA_ENV {env!r}; use one of {sorted(CONFIGS)}")
    values = cls.load()
    values.update(overrides)
    _local_time(values)
    if env == "production":
        missing = [key for key in Production.REQUIRED if not os.environ.get(key) and key not in overrides]
        if values.get("SECRET_KEY") == Base.SECRET_KEY:
            missing.append("SECRET_KEY (still the development default)")
        missing += [f"{key} (too short: use {MIN_SECRET_LENGTH}+ random characters)"
                    for key in ("SECRET_KEY", "WEBHOOK_SECRET")
                    if values.get(key) and len(str(values[key])) < MIN_SECRET_LENGTH]
        missing += _missing_sms_provider(values)
        if missing:
            raise RuntimeError("production refuses to start without: " + ", ".join(missing))
    return values
