"""Which provider collects a payment method, and what happens when the real one is missing."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from config.settings import Settings
from gateway.payments import registry
from tests.fakes import FakeDaraja
from tests.menus.conftest import CHECKOUT, TO_AVOCADO
from tests.payments.conftest import PHONE, Shop


def test_mpesa_is_collected_by_the_sandbox_until_daraja_is_configured(fake_daraja: FakeDaraja) -> None:
    development = Settings.for_tests(ENV="development")
    assert registry.provider_name_for(development, "mpesa") == "sandbox"
    daraja = Settings.for_tests(**fake_daraja.settings(ENV="development"))
    assert registry.provider_name_for(daraja, "mpesa") == "mpesa"
    assert registry.provider_name_for(development, "cash") == "cash"
    assert registry.provider_name_for(development, "airtel_money") == "sandbox"
    assert set(registry.known_providers()) == {"airtel", "cash", "momo", "mpesa", "pagoefectivo", "sandbox"}


def test_production_never_pretends_to_collect_money(open_shop: Callable[..., Shop]) -> None:
    """Production never lets the sandbox collect a wallet, and never offers one it has no account
    for: the customer of a gateway without Daraja keys is offered what can really be paid."""
    assert registry.provider_name_for(Settings.for_tests(ENV="production"), "mpesa") == "mpesa"
    shop = open_shop(ENV="production")  # the testing config, told it is production for the registry
    shop.dialer.phone = PHONE
    shop.dialer.dial()
    for key in (*TO_AVOCADO, "2"):
        shop.dialer.dial(key)
    summary = shop.dialer.dial(CHECKOUT)
    assert "M-Pesa" not in summary and "Pay at pickup" in summary, summary
    assert "3. Change payment" not in summary  # cash is the one method left: nothing to change


def test_production_offers_only_the_wallets_it_has_an_account_for() -> None:
    """A wallet whose provider has no account here is offered in development (the sandbox
    collects it) but never in production, where the customer's choice could only fail."""
    chosen = ("mpesa", "momo", "airtel", "pagoefectivo", "cash")
    development = Settings.for_tests(ENV="development", PAYMENT_METHODS=chosen)
    assert registry.methods_to_offer(development) == chosen
    production = Settings.for_tests(ENV="production", PAYMENT_METHODS=chosen,
                                    MPESA_CONSUMER_KEY="key", MPESA_CONSUMER_SECRET="secret",
                                    MPESA_SHORTCODE="174379", MPESA_PASSKEY="passkey")
    assert registry.methods_to_offer(production) == ("mpesa", "cash")
    only_momo = dataclasses.replace(production, PAYMENT_METHODS=("momo",))
    assert registry.methods_to_offer(only_momo) == ("cash",)  # nothing payable left: cash on delivery
