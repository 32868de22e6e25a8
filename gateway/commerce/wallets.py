"""Whom each mobile-money wallet can charge: its currency and its subscribers' phone numbers.

Checkout offers a wallet only to a customer it can charge (M-Pesa: KES, from a Safaricom number),
so a Nigerian or Peruvian customer is never sent to wait for a prompt that cannot come. The wallet's
adapter refuses anything else again, as a last line. A method with no entry here (cash) suits all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Coverage:
    currencies: frozenset[str]
    phones: re.Pattern[str]  # E.164 numbers the wallet's network serves
    most_minor: int  # the largest single payment it takes


COVERAGE = {
    # Safaricom Kenya's number ranges: 0700-0729, 0740-0743, 0745-0746, 0748, 0757-0759,
    # 0768-0769, 0790-0799 and 0110-0115 (Airtel's 073x, 075[0-6], 078x and 010x are not M-Pesa).
    "mpesa": Coverage(frozenset({"KES"}),
                      re.compile(r"^\+254(?:7(?:[0-2]\d|4[0-35-68]|5[7-9]|6[89]|9\d)|11[0-5])\d{6}$"),
                      most_minor=250_000_00),  # KES 250,000 per transaction
}


def can_charge(method: str, currency: str, phone: str, amount_minor: int = 0) -> bool:
    """Whether payment ``method`` can collect ``amount_minor`` of ``currency`` from ``phone`` (E.164)."""
    coverage = COVERAGE.get(method)
    if coverage is None:
        return True
    return (currency.upper() in coverage.currencies and coverage.phones.match(phone) is not None
            and amount_minor <= coverage.most_minor)
