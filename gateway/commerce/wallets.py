"""Which wallet for whom: the currency a wallet collects, its subscribers' numbers, its limits.

Checkout offers a wallet only to a customer it can charge, so a Nigerian or Peruvian customer is
never sent to wait for a prompt that cannot come: ``offered_methods(preference, currency, phone,
total)`` is the list checkout shows, in the shop's order of preference (``PAYMENT_METHODS``).
Each wallet's adapter refuses anything else again, as a last line. A method with no networks here
(cash) suits everybody.

The data below is one ``Network`` per country a wallet serves: the country's calling code, the
currency the wallet collects there, the national number prefixes its operator owns (numbers are
E.164, ``+<calling code><national number>``) and the largest single payment it takes. Operators'
per-transaction caps change and differ by customer tier; the figures are the common retail caps
and belong to the merchant contract, so check them before relying on them.
"""

from __future__ import annotations

from dataclasses import dataclass

MPESA, MOMO, AIRTEL, PAGOEFECTIVO, CASH = "mpesa", "momo", "airtel", "pagoefectivo", "cash"

# Wallets paid with a code the customer takes to an agent (no prompt on the handset).
PAY_CODE_WALLETS = frozenset({PAGOEFECTIVO})
# How each wallet is called on screens and in SMS: its own (brand) name, in every language.
WALLET_NAMES = {MPESA: "M-Pesa", MOMO: "MTN MoMo", AIRTEL: "Airtel Money", PAGOEFECTIVO: "PagoEfectivo"}


@dataclass(frozen=True)
class Network:
    """One country's subscribers of a wallet."""

    country: str  # ISO 3166-1 alpha-2, as providers name it (``UG``)
    calling_code: str  # ``256``
    currency: str  # what the wallet collects there (ISO 4217)
    prefixes: tuple[str, ...]  # how the operator's national numbers start
    digits: int  # length of a national number (after the calling code)
    most_minor: int  # the largest single payment, in minor units of ``currency``

    def serves(self, phone: str) -> bool:
        """Whether ``phone`` (E.164) is one of this network's numbers."""
        national = self.national(phone)
        return national is not None and national.startswith(self.prefixes)

    def national(self, phone: str) -> str | None:
        """``+256772123456`` -> ``772123456`` (the number without its country code), or None."""
        head = "+" + self.calling_code
        rest = phone[len(head):] if phone.startswith(head) else ""
        return rest if len(rest) == self.digits and rest.isdigit() else None


def _range(prefix: str, first: int, last: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{n}" for n in range(first, last + 1))


NETWORKS: dict[str, tuple[Network, ...]] = {
    # Safaricom Kenya: 070-072x, 0740-0743, 0745-0746, 0748, 0757-0759, 0768-0769, 079x, 0110-0115
    # (Airtel's 073x, 075[0-6], 078x and 010x, and Telkom's 077x, are not M-Pesa).
    MPESA: (Network("KE", "254", "KES", ("70", "71", "72", *_range("74", 0, 3), "745", "746", "748",
                                        *_range("75", 7, 9), "768", "769", "79", *_range("11", 0, 5)),
                     9, 250_000_00),),
    MOMO: (
        Network("GH", "233", "GHS", ("24", "25", "53", "54", "55", "59"), 9, 20_000_00),
        Network("UG", "256", "UGX", ("76", "77", "78"), 9, 7_000_000),
        Network("RW", "250", "RWF", ("78", "79"), 9, 5_000_000),
        Network("ZM", "260", "ZMW", ("96", "76"), 9, 50_000_00),
        Network("CM", "237", "XAF", ("67", *_range("65", 0, 4), *_range("68", 0, 4)), 9, 1_000_000),
        Network("CI", "225", "XOF", ("05",), 10, 1_500_000),
    ),
    AIRTEL: (
        Network("UG", "256", "UGX", ("70", "74", "75"), 9, 7_000_000),
        Network("KE", "254", "KES", ("73", *_range("75", 0, 6), "762", "78", *_range("10", 0, 2)),
                9, 150_000_00),
        Network("TZ", "255", "TZS", ("68", "69", "78"), 9, 5_000_000_00),
        Network("ZM", "260", "ZMW", ("97", "77"), 9, 50_000_00),
        Network("RW", "250", "RWF", ("72", "73"), 9, 5_000_000),
    ),
    # A CIP is paid in cash at any agent or bank, so any Peruvian mobile (9xx xxx xxx) can get one.
    PAGOEFECTIVO: (
        Network("PE", "51", "PEN", ("9",), 9, 30_000_00),
        Network("PE", "51", "USD", ("9",), 9, 10_000_00),
    ),
}


def network_for(method: str, currency: str, phone: str) -> Network | None:
    """The network through which ``method`` collects ``currency`` from ``phone``, or None."""
    for network in NETWORKS.get(method, ()):
        if network.currency == currency.upper() and network.serves(phone):
            return network
    return None


def can_charge(method: str, currency: str, phone: str, amount_minor: int = 0) -> bool:
    """Whether payment ``method`` can collect ``amount_minor`` of ``currency`` from ``phone`` (E.164)."""
    if method not in NETWORKS:
        return True
    network = network_for(method, currency, phone)
    return network is not None and amount_minor <= network.most_minor


def offered_methods(preference: tuple[str, ...] | list[str], currency: str, phone: str,
                    amount_minor: int) -> list[str]:
    """The payment methods to offer a customer at ``phone`` for a cart of ``amount_minor`` in
    ``currency``: ``preference`` (``PAYMENT_METHODS``), in its order, less those that cannot charge."""
    return [str(m) for m in preference if can_charge(str(m), currency, phone, amount_minor)]


def refusal(method: str, currency: str, phone: str, amount_minor: int) -> str | None:
    """Why ``method`` cannot collect this payment, for an adapter's last check; None if it can."""
    name = WALLET_NAMES.get(method, method)
    if not any(n.currency == currency.upper() for n in NETWORKS.get(method, ())):
        return f"{name} does not collect {currency}"
    network = network_for(method, currency, phone)
    if network is None:
        return f"not a number {name} serves in {currency}"
    if amount_minor <= 0 or amount_minor > network.most_minor:
        return f"not an amount {name} takes in one payment"
    return None
