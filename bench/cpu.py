"""CPU cost of one hop, in process: ``python -m bench.cpu`` (also run by ``make bench``).

Wall-clock numbers on a shared 2-core machine move with whatever else runs; the CPU time one
thread spends per hop does much less. This drives the same journey as ``journey.lua`` against a
real Redis and database and reports, per hop: CPU ms, SQL statements and Redis round trips (each
``send`` of a command or pipeline to the server is one round trip).

What is measured is the gateway's own work per hop: each hop calls the app's WSGI callable
(``app.wsgi_app``, the hop lane in front of Flask) with a WSGI environ built before the clock
starts (the urlencoded form, its length and type, the key in the query string), as a WSGI server
would hand it over. The HTTP server's own parsing and writing is not counted (``make bench``
measures the whole server under load); nor is a test client's request building, which used to be
a fifth of the number. The app runs with production's settings, as ``make bench`` serves it (no
terminal line per hop: ``LOG_HOPS``).
"""

from __future__ import annotations

import contextlib
import io
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import redis.connection
from sqlalchemy import event

from gateway.app import create_app

SECRET = "bench-cpu-webhook-key-0123456789"
BATCH = 10
HOP_PATH = "/hooks/africastalking/ussd"

Wsgi = Any  # the app's WSGI callable: (environ, start_response) -> iterable of bytes


def hop_environ(form: dict[str, str]) -> dict[str, Any]:
    """The WSGI environ of AT's POST of ``form`` (as a WSGI server hands it to the app)."""
    body = urlencode(form).encode()
    return {"REQUEST_METHOD": "POST", "PATH_INFO": HOP_PATH, "SCRIPT_NAME": "",
            "QUERY_STRING": urlencode({"key": SECRET}), "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000",
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": io.StringIO(),
            "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False}


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    if status != "200 OK":
        raise RuntimeError(f"a hop answered {status}")


def post(wsgi: Wsgi, environ: dict[str, Any]) -> bytes:
    """The body the app answers ``environ`` with."""
    chunks = wsgi(environ, _start_response)
    try:
        return b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


class Lane:
    """The app's WSGI callable and the CPU seconds this thread has spent inside it."""

    def __init__(self, wsgi: Wsgi) -> None:
        self.wsgi, self.cpu = wsgi, 0.0

    def hop(self, sid: str, phone: str, code: str, text: str) -> bytes:
        """One hop of dial ``sid``: only the app's call is on the clock, not building its environ."""
        environ = hop_environ({"sessionId": sid, "phoneNumber": phone, "networkCode": "63902",
                               "serviceCode": code, "text": text})
        started = time.thread_time()
        body = post(self.wsgi, environ)
        self.cpu += time.thread_time() - started
        return body


def journey_answers(n: int, checkout: bool) -> tuple[str, list[str]]:
    """The service code and answers of the n-th journey (as journey.lua builds them, without its
    search hop): the shops are on the first screen, or the shop is dialled directly. With
    ``checkout`` the last answer is Checkout: ``summary_answers`` gives the rest from the summary."""
    category, product = str(n % 2 + 1), str((n // 7) % 3 + 1)
    if n % 2 == 0:
        code, answers = "*384*123#", [str((n // 2) % 3 + 1), category, "98", product, "1"]
    else:
        code, answers = "*384*123*1#", [category, "98", product, "1"]
    if checkout:
        answers.append("1")
    return code, answers


def summary_answers(n: int, summary: bytes) -> list[str]:
    """The answers after the checkout summary, from what it offers (as journey.lua does):
    3 Change payment and M-Pesa or cash when there is a choice of payment (the wallets production
    has no account for are not offered), else 2 Change delivery and 1 Pick up when the shop
    delivers; then 1 Confirm. Every journey so has the same length and ends with the order placed."""
    if b"\n3. " in summary:
        return ["3", str((n // 3) % 2 + 1), "1"]
    if b"\n2. " in summary:
        return ["2", "1", "1"]
    return ["1"]


def dial(lane: Lane, n: int, phone: str, checkout: bool) -> list[tuple[str, bytes]]:
    """One whole journey; returns (text, reply) per hop. Raises if a reply is not CON/END, or
    (with ``checkout``) the dial ends before its last hop or without placing the order."""
    code, answers = journey_answers(n, checkout)
    sid, text, replies = f"ATUid_cpu_{uuid.uuid4().hex}", "", []
    pending: list[str | None] = [None, *answers]
    while pending:
        answer = pending.pop(0)
        if answer is not None:
            text = answer if text == "" else f"{text}*{answer}"
        body = lane.hop(sid, phone, code, text)
        if not body.startswith((b"CON ", b"END ")):
            raise RuntimeError(f"hop {text!r} answered {body!r}")
        replies.append((text, body))
        if checkout and len(replies) == len(answers) + 1:  # the summary
            pending = [*summary_answers(n, body)]
        if checkout and body.startswith(b"END ") != (not pending):
            raise RuntimeError(f"journey {n} hop {text!r} answered {body!r}")
    if checkout and b"Order " not in replies[-1][1]:
        raise RuntimeError(f"journey {n} ended without an order: {replies[-1][1]!r}")
    return replies


BROWSE = ["1", "1", "98", "0", "0", "00", "2", "0"]  # a shop, a category, more, back, home, another
# A caller with a past order has "1. Order again" first, so the shops start at 2; with an item in
# the cart they also go through checkout's questions: My cart, Checkout (the summary), Change
# delivery -> Delivery -> a landmark, Change delivery -> pick up, back to the cart, back home.
BROWSE_AFTER_ORDER = ["2", "1", "98", "0", "0", "00", "3", "0"]
CHECKOUT_QUESTIONS = ["91", "99", "2", "2", "Kibera market gate", "2", "1", "0", "0"]


def walk(lane: Lane, phone: str, answers: list[str]) -> int:
    """One dial of the home code answering ``answers`` (whatever each screen says); returns its hops."""
    sid, text = f"ATUid_nav_{uuid.uuid4().hex}", ""
    for answer in [None, *answers]:
        if answer is not None:
            text = answer if text == "" else f"{text}*{answer}"
        lane.hop(sid, phone, "*384*123#", text)
    return len(answers) + 1


def navigation_sql(lane: Lane, engine: Any, walks: list[tuple[str, list[str]]],
                   dials: int = 5) -> float:
    """SQL statements per hop of known callers who only navigate (home, lists, paging, back and
    checkout's questions): each ``(phone, answers)`` walk is dialled ``dials`` times."""
    hops = 0
    with counting(engine) as counts:
        for _ in range(dials):
            hops += sum(walk(lane, phone, answers) for phone, answers in walks)
    return round(counts["sql"] / hops, 3)


@contextlib.contextmanager
def counting(engine: Any) -> Iterator[Counter[str]]:
    """Count SQL statements on ``engine`` and sends to any Redis server while the block runs."""
    counts: Counter[str] = Counter()
    original = redis.connection.AbstractConnection.send_packed_command

    def send(self: Any, command: Any, check_health: bool = True) -> None:
        counts["redis"] += 1
        original(self, command, check_health)

    def on_sql(*_args: Any) -> None:
        counts["sql"] += 1

    redis.connection.AbstractConnection.send_packed_command = send  # type: ignore[method-assign]
    event.listen(engine, "before_cursor_execute", on_sql)
    try:
        yield counts
    finally:
        redis.connection.AbstractConnection.send_packed_command = original  # type: ignore[method-assign]
        event.remove(engine, "before_cursor_execute", on_sql)


def measure(database_url: str, redis_url: str, journeys: int = 200, checkout: bool = True,
            first_phone: int = 50_000) -> dict[str, float]:
    """CPU ms, SQL statements and Redis round trips per hop over ``journeys`` journeys."""
    app = create_app("production", DATABASE_URL=database_url, REDIS_URL=redis_url, WEBHOOK_SECRET=SECRET,
                     SECRET_KEY="bench-cpu-" + uuid.uuid4().hex, SMS_PROVIDER="console")
    rt = app.extensions["bodega"]
    lane = Lane(app.wsgi_app)
    for n in range(20):  # warm caches and pools
        dial(lane, n, f"+{254_710_000_000 + first_phone + n}", checkout)
    hops, batches = 0, []
    with counting(rt.engine) as counts:
        for first in range(20, journeys + 20, BATCH):
            started, batch_hops = lane.cpu, 0
            for n in range(first, first + BATCH):
                batch_hops += len(dial(lane, n, f"+{254_710_000_000 + first_phone + n}", checkout))
            batches.append((lane.cpu - started) / batch_hops * 1000)
            hops += batch_hops
    browser = f"+{254_710_000_000 + first_phone - 1}"  # a known caller who has not ordered
    dial(lane, 0, browser, checkout=False)
    buyer = f"+{254_710_000_000 + first_phone - 2}"  # one who has, with an item in the cart again
    dial(lane, 0, buyer, checkout=True)
    walk(lane, buyer, ["2", "1", "1", "1"])  # shop 1 (Order again comes first), an item, one
    navigation = navigation_sql(lane, rt.engine, [(browser, BROWSE),
                                                    (buyer, BROWSE_AFTER_ORDER + CHECKOUT_QUESTIONS)])
    rt.engine.dispose()
    batches.sort()
    # The quickest batch is the one least slowed by other processes on a shared machine.
    return {"hops": hops, "cpu_ms_per_hop": round(batches[0], 3),
            "cpu_ms_per_hop_median": round(batches[len(batches) // 2], 3),
            "sql_per_hop": round(counts["sql"] / hops, 2),
            "sql_per_navigation_hop": navigation,
            "redis_round_trips_per_hop": round(counts["redis"] / hops, 2)}


def main() -> None:
    import json
    import shutil
    import tempfile
    from pathlib import Path

    from sqlalchemy import create_engine

    from bench import seed
    from bench.stack import Database, RedisServer

    work = Path(tempfile.mkdtemp(prefix="bodega-cpu-"))
    server = RedisServer(work)
    server.start()
    db = Database(work, None)
    db.create()
    engine = create_engine(db.url)
    seed.seed_catalog(engine, seed.SMALL)
    seed.seed_customers(engine, 100_000)
    engine.dispose()
    try:
        print(json.dumps(measure(db.url, server.url), indent=2))
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
