"""Which provider collects a payment method, and what happens when the real one is missing."""

from __future__ import annotations

from collections.abc import Callable

from gateway.payments import registry
from tests.conftest import run_jobs
from tests.fakes import FakeDaraja
from tests.payments.conftest import Shop


def test_mpesa_is_collected_by_the_sandbox_until_daraja_is_configured(fake_daraja: FakeDaraja) -> None:
    assert registry.provider_name_for({"ENV": "development"}, "mpesa") == "sandbox"
    assert registry.provider_name_for(fake_daraja.settings(ENV="development"), "mpesa") == "mpesa"
    assert registry.provider_name_for({"ENV": "development"}, "cash") == "cash"
    assert registry.provider_name_for({"ENV": "development"}, "airtel_money") == "sandbox"
    assert set(registry.known_providers()) == {"airtel", "cash", "momo", "mpesa", "pagoefectivo", "sandbox"}


def test_production_never_pretends_to_collect_money(open_shop: Callable[..., Shop]) -> None:
    assert registry.provider_name_for({"ENV": "production"}, "mpesa") == "mpesa"
    shop = open_shop(ENV="production")  # the testing config, told it is production for the registry
    reference = shop.buy_avocados_with_mpesa()
    run_jobs(shop.rt)
    (payment,) = shop.payments(reference)
    assert (payment.status, payment.result_code) == ("failed", "unavailable")
    assert "MPESA_CONSUMER_KEY" in (payment.result_desc or "")
    assert shop.order(reference).status == "payment_failed"
