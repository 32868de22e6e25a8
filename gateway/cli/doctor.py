"""``flask --app wsgi doctor``: is this deployment ready? Settings and reachability, in plain words.

Each check answers ``ok``, ``warn`` (works, but not as production should) or ``FAIL`` (something a
customer or the shop would notice) with one sentence saying what to do. The exit status is 1 when
any check fails, so a deploy script can stop on it.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import click
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask.cli import with_appcontext
from rq import Worker
from sqlalchemy import text

from config.settings import DEVELOPMENT_SECRET_KEY, ROOT
from gateway.core import job_lanes
from gateway.core.app_context import runtime
from gateway.core.runtime import Runtime

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass(frozen=True)
class Finding:
    level: str
    topic: str
    says: str


def check_settings(rt: Runtime) -> list[Finding]:
    s, prod = rt.settings, rt.settings.ENV == "production"
    found = [Finding(OK, "settings", f"BODEGA_ENV={s.ENV}, times in {s.TIMEZONE}")]
    if not s.WEBHOOK_SECRET:
        found.append(Finding(WARN, "settings", "WEBHOOK_SECRET is not set: anyone can post to /hooks/ "
                                               "(set 16+ random characters before going live)"))
    if s.SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        found.append(Finding(WARN, "settings", "SECRET_KEY is the development default: console "
                                               "sessions can be forged"))
    if prod and not s.TRUSTED_PROXIES:
        found.append(Finding(WARN, "settings", "TRUSTED_PROXIES is 0: behind a reverse proxy every client "
                                               "looks like the proxy (set it to the number of proxies)"))
    return found


def check_database(rt: Runtime) -> list[Finding]:
    try:
        with rt.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except Exception as exc:  # noqa: BLE001 - reported in words, not raised
        return [Finding(FAIL, "database", f"cannot connect to {rt.engine.url.render_as_string()}: "
                                          f"{_first_line(exc)} (is it running? is DATABASE_URL right?)")]
    head = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini"))).get_current_head()
    if current != head:
        return [Finding(FAIL, "database", f"schema is at {current or 'nothing'}, the code needs {head}: "
                                          "run `alembic upgrade head`")]
    return [Finding(OK, "database", f"{rt.engine.dialect.name} answers; schema at {head}")]


def check_redis_and_queue(rt: Runtime) -> list[Finding]:
    try:
        rt.redis.ping()
        workers = Worker.all(queue=rt.queue)
        waiting = rt.queue.count + job_lanes.waiting(rt.queue.connection)  # RQ's jobs and texts to send
    except Exception as exc:  # noqa: BLE001
        return [Finding(FAIL, "redis", f"cannot reach Redis: {_first_line(exc)} (is REDIS_URL right?)")]
    found = [Finding(OK, "redis", "answers")]
    if not workers:
        found.append(Finding(FAIL, "queue", f"no RQ worker is running ({waiting} job(s) waiting): SMS, "
                                            "payments and order notices wait until `python -m "
                                            "gateway.jobs.worker` runs"))
    else:
        found.append(Finding(OK, "queue", f"{len(workers)} worker(s), {waiting} job(s) waiting"))
    return found


def check_providers(rt: Runtime) -> list[Finding]:
    s, prod = rt.settings, rt.settings.ENV == "production"
    stub = WARN if prod else OK
    found = []
    if s.AT_USERNAME and s.AT_API_KEY:
        found.append(Finding(OK, "sms", f"Africa's Talking account {s.AT_USERNAME!r}"))
    elif s.AT_USERNAME or s.AT_API_KEY:
        found.append(Finding(FAIL, "sms", "set both AT_USERNAME and AT_API_KEY (one of them is missing)"))
    else:
        found.append(Finding(stub, "sms", "no AT_USERNAME: SMS go to the console outbox and are not sent"))
    mpesa = ("MPESA_CONSUMER_KEY", "MPESA_CONSUMER_SECRET", "MPESA_PASSKEY")
    missing = s.missing(*mpesa)
    if not missing:
        where = "production" if "api.safaricom" in s.MPESA_BASE_URL else "sandbox"
        code = s.MPESA_SHORTCODE
        found.append(Finding(OK, "mpesa", f"Daraja {where} credentials for shortcode {code}"))
    elif len(missing) < len(mpesa):
        found.append(Finding(FAIL, "mpesa", f"Daraja needs {', '.join(missing)} as well"))
    else:
        found.append(Finding(stub, "mpesa", "no Daraja credentials: M-Pesa uses the sandbox wallet"))
    return found


def check_public_url(rt: Runtime, timeout: float = 5.0) -> list[Finding]:
    """AT and Daraja call PUBLIC_URL: it must answer ``/healthz`` from here (and be HTTPS live)."""
    base = rt.settings.PUBLIC_URL.rstrip("/")
    found = []
    if rt.settings.ENV == "production" and not base.startswith("https://"):
        found.append(Finding(FAIL, "public url", f"{base or 'PUBLIC_URL'} is not https://: Daraja refuses "
                                                 "plain-HTTP callbacks, and the webhook key would travel "
                                                 "in clear"))
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=timeout) as response:
            found.append(Finding(OK, "public url", f"{base}/healthz answers {response.status}"))
    except urllib.error.HTTPError as exc:
        found.append(Finding(FAIL, "public url", f"{base}/healthz answers {exc.code}: the gateway behind it "
                                                 "is unhealthy or the proxy points elsewhere"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        found.append(Finding(FAIL, "public url", f"cannot reach {base or '(empty PUBLIC_URL)'} from this "
                                                 f"machine ({reason}): AT and Daraja callbacks will not "
                                                 "arrive (check DNS, the proxy and the firewall)"))
    return found


CHECKS: list[Callable[[Runtime], list[Finding]]] = [
    check_settings, check_database, check_redis_and_queue, check_providers, check_public_url]


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def diagnose(rt: Runtime) -> list[Finding]:
    return [finding for check in CHECKS for finding in check(rt)]


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check settings, the database, Redis, the queue, provider credentials and PUBLIC_URL."""
    findings = diagnose(runtime())
    for f in findings:
        click.echo(f"{f.level:<4}  {f.topic:<10}  {f.says}")
    failed = sum(f.level == FAIL for f in findings)
    click.echo(f"{failed} problem(s) to fix" if failed else "ready")
    sys.exit(1 if failed else 0)
