"""PagoEfectivo: a Peruvian on a basic phone gets a CIP code, pays it in cash, and the signed
``cip.paid`` notification settles the order once. The fake (tests/fakes/fake_pagoefectivo.py)
speaks API v1 verbatim."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from gateway.commerce.models import Order, utcnow
from gateway.payments import collection
from gateway.payments.pagoefectivo import lima_time
from tests.conftest import run_jobs
from tests.fakes.fake_pagoefectivo import FakePagoEfectivo
from tests.payments.conftest import Shop, check_out

LIMA_MOBILE = "+51987654321"
URL = "/hooks/pagoefectivo?key=hook-secret"


@pytest.fixture
def pe_shop(wallet_shop: Callable[..., Shop], fake_pagoefectivo: FakePagoEfectivo) -> Shop:
    return wallet_shop("PEN", "12.50", **fake_pagoefectivo.settings())


def issued(shop: Shop, fake: FakePagoEfectivo) -> tuple[str, int]:
    """A PagoEfectivo order whose CIP was issued: (order reference, CIP number)."""
    question, reference = check_out(shop, LIMA_MOBILE)
    assert "1. PagoEfectivo" in question and "M-Pesa" not in question, question
    run_jobs(shop.rt)
    (cip,) = fake.cips
    return reference, cip


def notify(shop: Shop, fake: FakePagoEfectivo, cip: int, **kwargs: object) -> int:
    body, headers = fake.notification(cip, **kwargs)  # type: ignore[arg-type]
    return shop.client.post(URL, data=body, headers=headers).status_code


def test_the_last_screen_and_an_sms_give_the_cip_with_the_orders_deadline(
        pe_shop: Shop, fake_pagoefectivo: FakePagoEfectivo) -> None:
    _, reference = check_out(pe_shop, LIMA_MOBILE)
    # A Peruvian number reads Spanish
    assert "codigo PagoEfectivo" in pe_shop.dialer.screen and "1. Ver mi codigo" in pe_shop.dialer.screen
    run_jobs(pe_shop.rt)  # the CIP is asked for at once: no handset prompt to wait for
    final = pe_shop.dialer.dial("1")
    (cip,) = fake_pagoefectivo.cips
    assert final.startswith("END ") and f"codigo PagoEfectivo {cip}" in final and "S/ 25" in final, final
    sent = fake_pagoefectivo.cips[cip]
    order = pe_shop.order(reference)
    assert order.expires_at is not None
    assert (sent["transactionCode"], sent["amount"], sent["currency"]) == (reference, 25, "PEN")
    assert sent["dateExpiry"] == lima_time(order.expires_at)
    deadline = order.expires_at.replace(tzinfo=UTC) if order.expires_at.tzinfo is None else order.expires_at
    assert timedelta(hours=23) < deadline - datetime.now(UTC) <= timedelta(hours=24)
    (sms,) = pe_shop.sms("pay_code")
    assert f"codigo PagoEfectivo {cip}" in sms.body and "agente, banco o app" in sms.body
    (payment,) = pe_shop.payments(reference)
    assert (payment.status, payment.checkout_request_id) == ("requested", str(cip))


def test_before_the_cip_is_ready_the_screen_says_it_comes_by_sms(pe_shop: Shop) -> None:
    check_out(pe_shop, LIMA_MOBILE)
    final = pe_shop.dialer.dial("1")
    assert final.startswith("END ") and "llega por SMS" in final


def test_a_paid_cip_settles_once_however_often_it_is_notified(pe_shop: Shop,
                                                             fake_pagoefectivo: FakePagoEfectivo) -> None:
    reference, cip = issued(pe_shop, fake_pagoefectivo)
    answers = [notify(pe_shop, fake_pagoefectivo, cip, cip_as_text=text) for text in (True, False, True)]
    assert answers == [200] * 3
    run_jobs(pe_shop.rt)
    outcomes = [c.outcome for c in pe_shop.callbacks() if c.kind == "callback"]
    assert sorted(outcomes) == ["duplicate", "duplicate", "paid"]
    (payment,) = pe_shop.payments(reference)
    assert (payment.status, payment.receipt) == ("paid", f"CIP{cip}")
    assert pe_shop.order(reference).status == "paid"
    assert len(pe_shop.sms("payment_received")) == 1


@pytest.mark.parametrize("headers", [{}, {"PE-Signature": "0" * 64}])
def test_an_unsigned_or_forged_notification_changes_nothing(
        pe_shop: Shop, fake_pagoefectivo: FakePagoEfectivo, headers: dict[str, str]) -> None:
    reference, cip = issued(pe_shop, fake_pagoefectivo)
    body, _ = fake_pagoefectivo.notification(cip)
    response = pe_shop.client.post(URL, data=body, headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 403 and "PE-Signature" in response.get_data(as_text=True)
    body, signed = fake_pagoefectivo.notification(cip, secret="not-our-secret")
    assert pe_shop.client.post(URL, data=body, headers=signed).status_code == 403
    run_jobs(pe_shop.rt)
    assert [c.kind for c in pe_shop.callbacks()] == ["request"]  # nothing stored from the forger
    assert pe_shop.order(reference).status == "awaiting_payment"


def test_a_signed_but_malformed_notification_gets_400(pe_shop: Shop,
                                                      fake_pagoefectivo: FakePagoEfectivo) -> None:
    issued(pe_shop, fake_pagoefectivo)
    for body in (b"not json", json.dumps({"eventType": "cip.paid", "data": {"cip": "12a"}}).encode(),
                 json.dumps({"eventType": "cip.paid", "data": {"cip": "1", "currency": "PEN",
                                                               "amount": "NaN"}}).encode()):
        signature = hmac.new(b"pe-secret-key-for-tests", body, hashlib.sha256).hexdigest()
        response = pe_shop.client.post(URL, data=body, headers={"PE-Signature": signature})
        assert response.status_code == 400, response.get_data(as_text=True)


def test_a_cip_paid_after_its_order_expired_is_flagged_for_a_refund(
        pe_shop: Shop, fake_pagoefectivo: FakePagoEfectivo) -> None:
    reference, cip = issued(pe_shop, fake_pagoefectivo)
    with pe_shop.rt.sessions() as db:  # a day goes by: the order's deadline (and the CIP's) passes
        db.execute(update(Order).where(Order.reference == reference)
                   .values(expires_at=utcnow() - timedelta(minutes=1)))
        db.commit()
    later = utcnow() + timedelta(minutes=10)
    assert collection.settle_stale_payments(pe_shop.rt, later) == 1  # asks: the CIP has expired
    run_jobs(pe_shop.rt)
    assert pe_shop.payments(reference)[0].status == "failed"
    assert collection.expire_unpaid_orders(pe_shop.rt, later) == 1
    assert notify(pe_shop, fake_pagoefectivo, cip) == 200  # the customer paid at the agent anyway
    run_jobs(pe_shop.rt)
    order = pe_shop.order(reference)
    assert (order.status, order.refund_due) == ("expired", True)
    assert len(pe_shop.sms("payment_refund")) == 1


def test_a_still_open_cip_stays_pending_at_the_sweep(
        pe_shop: Shop, fake_pagoefectivo: FakePagoEfectivo) -> None:
    reference, _ = issued(pe_shop, fake_pagoefectivo)
    collection.settle_stale_payments(pe_shop.rt, utcnow() + timedelta(hours=1))
    run_jobs(pe_shop.rt)
    assert pe_shop.payments(reference)[0].status == "requested"
    assert pe_shop.order(reference).status == "awaiting_payment"


def test_pay_now_gives_the_same_cip_again_and_asks_for_no_second_one(
        pe_shop: Shop, fake_pagoefectivo: FakePagoEfectivo) -> None:
    reference, cip = issued(pe_shop, fake_pagoefectivo)
    pe_shop.dialer.walk("92", "1")  # My orders -> this order
    detail = pe_shop.dialer.screen
    assert reference in detail, detail
    options = [line for line in detail.splitlines() if line[:1].isdigit()]
    pay = next(line.split(".")[0] for line in options if "Pagar" in line or "Pay" in line)
    pe_shop.dialer.dial(pay)
    final = pe_shop.dialer.dial("1")
    assert final.startswith("END ") and f"codigo PagoEfectivo {cip}" in final, final
    run_jobs(pe_shop.rt)
    assert len(fake_pagoefectivo.cips) == 1 and len(pe_shop.payments(reference)) == 1


def test_a_cip_paid_for_another_amount_is_flagged_not_paid(pe_shop: Shop,
                                                          fake_pagoefectivo: FakePagoEfectivo) -> None:
    reference, cip = issued(pe_shop, fake_pagoefectivo)
    assert notify(pe_shop, fake_pagoefectivo, cip, amount=20.5) == 200
    run_jobs(pe_shop.rt)
    assert pe_shop.payments(reference)[0].status == "mismatch"
    assert pe_shop.order(reference).status == "awaiting_payment"
