"""Twenty copies of one M-Pesa success callback at once, on PostgreSQL: one payment recorded,
one receipt, the order paid once, one receipt SMS.

The copies arrive in parallel through the real webhook (each on its own connection), and their
settlement jobs then run in parallel too, so the row-level decisions really race.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from gateway.commerce.models import PaymentCallback
from gateway.payments.collection import settle_callback
from tests.conftest import run_jobs
from tests.fakes import FakeDaraja
from tests.fakes.fake_momo import FakeMomo
from tests.fakes.fake_pagoefectivo import FakePagoEfectivo
from tests.payments.conftest import Shop, check_out

COPIES = 20
URL = "/hooks/mpesa/stk?key=hook-secret"


def _in_parallel(count: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count, timeout=20)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertion
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_twenty_duplicate_callbacks_in_parallel_record_one_payment(
        database_url: str, mpesa_shop: Shop, fake_daraja: FakeDaraja) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("parallel callbacks need PostgreSQL's concurrent transactions: set TEST_DATABASE_URL")
    shop = mpesa_shop
    reference = shop.buy_avocados_with_mpesa()
    run_jobs(shop.rt)  # the STK push goes to the fake Daraja
    body = json.dumps(fake_daraja.callback_for(fake_daraja.pushes[-1], receipt="NLJ7RT61SV"))

    def deliver(_: int) -> int:
        client = shop.app.test_client()
        return client.post(URL, data=body, content_type="application/json").status_code

    assert _in_parallel(COPIES, deliver) == [200] * COPIES
    with shop.rt.sessions() as db:
        stored = list(db.scalars(select(PaymentCallback.id).order_by(PaymentCallback.id)))
    assert len(stored) == COPIES  # every copy is kept as it came

    outcomes = _in_parallel(COPIES, lambda i: settle_callback(shop.rt, stored[i]))
    run_jobs(shop.rt)  # whatever the webhook queued (now nothing left to do) and the SMS sends

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    settled = [c.outcome for c in shop.callbacks()]
    assert settled.count("paid") == 1, settled
    (payment,) = shop.payments(reference)
    assert (payment.status, payment.receipt) == ("paid", "NLJ7RT61SV")
    assert shop.order(reference).status == "paid"
    assert len(shop.sms("payment_received")) == 1
    assert len(shop.sms("shop_new_order")) == 1


def test_twenty_duplicate_callbacks_settle_from_one_stk_query(
        database_url: str, open_shop: Callable[..., Shop], fake_daraja: FakeDaraja) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("parallel callbacks need PostgreSQL's concurrent transactions: set TEST_DATABASE_URL")
    shop = open_shop(**fake_daraja.settings(WEBHOOK_SECRET="hook-secret", PUBLIC_URL="https://bodega.example",
                                            MPESA_VERIFY=True))
    reference = shop.buy_avocados_with_mpesa()
    run_jobs(shop.rt)
    body = json.dumps(fake_daraja.callback_for(fake_daraja.pushes[-1], receipt="NLJ7RT61SV"))
    client = shop.app.test_client()
    for _ in range(COPIES):
        assert client.post(URL, data=body, content_type="application/json").status_code == 200
    with shop.rt.sessions() as db:
        stored = list(db.scalars(select(PaymentCallback.id).order_by(PaymentCallback.id)))

    first = _in_parallel(COPIES, lambda i: settle_callback(shop.rt, stored[i]))
    again = [settle_callback(shop.rt, stored[i]) for i, o in enumerate(first) if isinstance(o, Exception)]

    assert len(fake_daraja.queries) == 1  # was twenty: one per copy
    settled = sorted(o for o in [*first, *again] if isinstance(o, str))
    assert settled == ["duplicate"] * (COPIES - 1) + ["paid"]
    assert shop.payments(reference)[0].status == "paid"


def test_twenty_duplicate_momo_callbacks_in_parallel_record_one_payment(
        database_url: str, wallet_shop: Callable[..., Shop], fake_momo: FakeMomo) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("parallel callbacks need PostgreSQL's concurrent transactions: set TEST_DATABASE_URL")
    shop = wallet_shop("UGX", "2500", **fake_momo.settings())
    _, reference = check_out(shop, "+256772123456")
    run_jobs(shop.rt)  # the request to pay goes to the fake MoMo
    (key,) = fake_momo.requests_to_pay
    body = json.dumps(fake_momo.callback_for(key))

    def deliver(_: int) -> int:
        client = shop.app.test_client()
        return client.put("/hooks/momo/collection?key=hook-secret", data=body,
                          content_type="application/json").status_code

    assert _in_parallel(COPIES, deliver) == [200] * COPIES
    with shop.rt.sessions() as db:
        stored = list(db.scalars(select(PaymentCallback.id).where(PaymentCallback.kind == "callback")
                                 .order_by(PaymentCallback.id)))
    assert len(stored) == COPIES
    first = _in_parallel(COPIES, lambda i: settle_callback(shop.rt, stored[i]))
    # Copies that found another copy asking MoMo are retried (RQ would): they ask nothing more.
    again = [settle_callback(shop.rt, stored[i]) for i, o in enumerate(first) if isinstance(o, Exception)]
    run_jobs(shop.rt)

    assert len(fake_momo.status_calls) == 1  # one status question, not twenty
    settled = sorted(o for o in [*first, *again] if isinstance(o, str))
    assert settled == ["duplicate"] * (COPIES - 1) + ["paid"], settled
    (payment,) = shop.payments(reference)
    assert payment.status == "paid"
    assert shop.order(reference).status == "paid"
    assert len(shop.sms("payment_received")) == 1
    assert len(shop.sms("shop_new_order")) == 1


def test_twenty_copies_of_a_signed_cip_paid_in_parallel_settle_once(
        database_url: str, wallet_shop: Callable[..., Shop], fake_pagoefectivo: FakePagoEfectivo) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("parallel callbacks need PostgreSQL's concurrent transactions: set TEST_DATABASE_URL")
    shop = wallet_shop("PEN", "12.50", **fake_pagoefectivo.settings())
    _, reference = check_out(shop, "+51987654321")
    run_jobs(shop.rt)  # the CIP is issued by the fake PagoEfectivo
    (cip,) = fake_pagoefectivo.cips
    body, headers = fake_pagoefectivo.notification(cip)

    def deliver(_: int) -> int:
        return shop.app.test_client().post("/hooks/pagoefectivo?key=hook-secret", data=body,
                                           headers=headers).status_code

    assert _in_parallel(COPIES, deliver) == [200] * COPIES
    with shop.rt.sessions() as db:
        stored = list(db.scalars(select(PaymentCallback.id).where(PaymentCallback.kind == "callback")
                                 .order_by(PaymentCallback.id)))
    outcomes = _in_parallel(COPIES, lambda i: settle_callback(shop.rt, stored[i]))
    run_jobs(shop.rt)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert [c.outcome for c in shop.callbacks() if c.kind == "callback"].count("paid") == 1
    assert shop.order(reference).status == "paid"
    assert len(shop.sms("payment_received")) == 1
