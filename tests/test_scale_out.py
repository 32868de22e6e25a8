"""Scale-out: two gateway instances behind a (pretend) round-robin balancer share Redis and the
database; one dial whose hops alternate between them still completes its order exactly once.

Each instance is its own ``create_app()`` (own engine, pools, Redis clients) served by its own
werkzeug server on a 127.0.0.1 port, and the handset talks to them over real HTTP.
"""

from __future__ import annotations

import threading
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, make_server

from gateway.commerce.models import Order, OrderLine, Product
from gateway.core.runtime import Runtime


@pytest.fixture
def two_instances(app: Flask, make_app: Callable[..., Flask],
                  demo_catalog: None) -> Iterator[tuple[list[str], Counter[str]]]:
    """Two apps on two ports; returns their base URLs and a count of hops each one answered."""
    answered: Counter[str] = Counter()
    servers: list[BaseWSGIServer] = []
    for name, instance in (("a", app), ("b", make_app())):
        server = make_server("127.0.0.1", 0, _counted(instance, name, answered), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    yield [f"http://127.0.0.1:{s.server_port}" for s in servers], answered
    for server in servers:
        server.shutdown()
        server.server_close()


def _counted(app: Flask, name: str, answered: Counter[str]) -> Callable[..., Iterable[bytes]]:
    """``app`` counting the requests it answers (hops skip Flask's own request hooks)."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        answered.update([name])
        return app(environ, start_response)

    return wsgi


def post_hop(base: str, session_id: str, text: str) -> str:
    form = urllib.parse.urlencode({"sessionId": session_id, "phoneNumber": "+254711000222",
                                   "networkCode": "63902", "serviceCode": "*384*123#", "text": text})
    request = urllib.request.Request(f"{base}/hooks/africastalking/ussd", data=form.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        return response.read().decode()


def test_one_dial_alternating_between_two_instances_places_one_order(
        two_instances: tuple[list[str], Counter[str]], rt: Runtime) -> None:
    bases, answered = two_instances
    session_id = f"ATUid_{uuid.uuid4().hex}"
    # home, first shop, Vegetables, Avocado, 2 of them, Checkout, Change payment, cash, Confirm
    answers = ["1", "1", "1", "2", "1", "3", "2", "1"]
    text, replies = "", [post_hop(bases[0], session_id, "")]
    for hop, answer in enumerate(answers, start=1):
        text = answer if text == "" else f"{text}*{answer}"
        replies.append(post_hop(bases[hop % 2], session_id, text))

    assert all(r.startswith("CON ") for r in replies[:-1]), replies
    assert "Avocado" in replies[3] and "Added 2 x Avocado" in replies[4], replies
    assert replies[-1].startswith("END Order ") and "placed" in replies[-1], replies[-1]
    assert answered == Counter({"a": 5, "b": 4})
    # The aggregator retries the last hop on the other instance: same answer, no second order.
    assert post_hop(bases[0], session_id, text) == replies[-1]

    with rt.sessions() as db:
        orders = list(db.scalars(select(Order).where(Order.ussd_session_id == session_id)))
        assert len(orders) == 1
        lines = list(db.scalars(select(OrderLine).where(OrderLine.order_id == orders[0].id)))
        assert [(line.name, line.qty) for line in lines] == [("Avocado", 2)]
        assert orders[0].total_minor == 2 * 2500
        avocado = db.scalar(select(Product).where(Product.name == "Avocado"))
        assert avocado is not None and avocado.stock == 60 - 2
