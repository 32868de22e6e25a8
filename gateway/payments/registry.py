"""The payment providers Bodega knows, and which one collects each payment method.

Adding a provider (MTN MoMo, Airtel Money, a Latin American wallet) is one module in
``gateway/payments`` exposing ``NAME``, ``METHOD``, ``configured(settings)`` and
``build(settings, redis)`` (see ``base.py``), plus its import and its entry in ``PROVIDER_MODULES``.

A mobile-money method whose provider is not configured is collected by the sandbox, so a fresh
clone pays end to end with no account, except in production, where that would take orders for
money that never moves: there the method's own provider is used and fails loudly instead.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import Any

import redis

from config.settings import Settings
from gateway.payments import airtel, cash, momo, mpesa, pagoefectivo, sandbox
from gateway.payments.base import PaymentProvider, PaymentResult

PROVIDER_MODULES: tuple[ModuleType, ...] = (
    mpesa,
    momo,
    airtel,
    pagoefectivo,
    sandbox,
    cash,
)
SANDBOX = "sandbox"
EXTRA_KEY = "payment_providers"


@cache
def _modules() -> dict[str, ModuleType]:
    return {module.NAME: module for module in PROVIDER_MODULES}


def known_providers() -> list[str]:
    return sorted(_modules())


def provider_name_for(settings: Settings, method: str) -> str:
    """The provider that collects ``method`` (a provider name is accepted as its own method)."""
    modules = _modules()
    candidates = [m for m in modules.values() if method in (m.METHOD, m.NAME)]
    for module in candidates:
        if module.configured(settings):
            return str(module.NAME)
    if settings.ENV == "production" and candidates:
        return str(candidates[0].NAME)
    return SANDBOX


def methods_to_offer(settings: Settings) -> tuple[str, ...]:
    """``PAYMENT_METHODS`` less, in production, the wallets whose provider has no account here;
    cash on delivery when none is left.

    Outside production the sandbox collects an unconfigured wallet, so every method stays; in
    production a customer must never be offered a wallet that can only fail after they chose it.
    """
    methods = settings.PAYMENT_METHODS
    if settings.ENV != "production":
        return methods
    modules = _modules().values()
    offered = tuple(method for method in methods
                    if any(m.configured(settings) for m in modules if method in (m.METHOD, m.NAME)))
    return offered or (cash.METHOD,)


def confirms_callbacks(name: str) -> bool:
    """Whether provider ``name`` signs nothing, so each of its callbacks is checked by a query."""
    return bool(getattr(_modules()[name], "CONFIRMS_CALLBACKS", False))


def callback_parser(name: str) -> Callable[[bytes], PaymentResult]:
    """The module-level ``parse_callback`` of provider ``name`` (needs no account settings)."""
    parser: Callable[[bytes], PaymentResult] = _modules()[name].parse_callback
    return parser


def provider(extras: dict[str, Any], settings: Settings, client: redis.Redis,
             name: str) -> PaymentProvider:
    """The provider called ``name``, built once per process and kept in ``Runtime.extras``.

    Raises ``KeyError`` for an unknown name and ``RuntimeError`` when its settings are missing.
    """
    built: dict[str, PaymentProvider] = extras.setdefault(EXTRA_KEY, {})
    if name not in built:
        built[name] = _modules()[name].build(settings, client)
    return built[name]
