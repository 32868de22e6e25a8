"""A shop's optional PIN for the SMS commands that change stock, price or visibility.

The PIN is stored as an argon2 hash on the shop. Each contact (a number on a shop) has its own
count of wrong PINs: after ``max_tries`` in a row its PIN commands are locked until
``locked_until``, which stops guessing by anyone who can send from (or spoof) that number. Order
commands stay open during a lock, so a fat-fingered owner can still serve customers.
Functions here never commit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from gateway.commerce.models import AuditEntry, Shop, ShopContact

PIN_DIGITS = range(4, 7)
_hasher = PasswordHasher()


class PinCheck(enum.Enum):
    NOT_NEEDED = "not_needed"
    OK = "ok"
    MISSING = "missing"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True)
class PinResult:
    check: PinCheck
    tries_left: int = 0
    locked_until: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.check in (PinCheck.OK, PinCheck.NOT_NEEDED)


def looks_like_pin(token: str) -> bool:
    return token.isdigit() and len(token) in PIN_DIGITS


def set_pin(shop: Shop, pin: str | None) -> None:
    """Require ``pin`` (4-6 digits, else ``ValueError``) for the shop's stock commands; None removes it."""
    if pin is None:
        shop.pin_hash = None
        return
    if not looks_like_pin(pin):
        raise ValueError("a PIN is 4 to 6 digits")
    shop.pin_hash = _hasher.hash(pin)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_pin(db: Session, contact: ShopContact, pin: str | None, now: datetime,
              max_tries: int = 3, lock_minutes: int = 30) -> PinResult:
    """Check ``pin`` for a PIN command by ``contact`` on its shop, counting wrong tries.

    Locked contacts are refused before the PIN is looked at. A missing PIN is not a try. A new
    lock is audited (``pin.locked``).
    """
    shop = contact.shop
    if not shop.pin_hash:
        return PinResult(PinCheck.NOT_NEEDED)
    if contact.locked_until is not None and _aware(contact.locked_until) > now:
        return PinResult(PinCheck.LOCKED, locked_until=_aware(contact.locked_until))
    if not pin:
        return PinResult(PinCheck.MISSING)
    if _matches(shop.pin_hash, pin):
        contact.failed_pins = 0
        contact.locked_until = None
        return PinResult(PinCheck.OK)
    contact.failed_pins = (contact.failed_pins or 0) + 1
    if contact.failed_pins >= max_tries:
        contact.failed_pins = 0
        contact.locked_until = now + timedelta(minutes=lock_minutes)
        db.add(AuditEntry(shop_id=shop.id, actor=contact.phone, channel="sms", action="pin.locked",
                          subject=f"contact {contact.phone}", detail=f"{max_tries} wrong PINs"))
        return PinResult(PinCheck.LOCKED, locked_until=contact.locked_until)
    return PinResult(PinCheck.WRONG, tries_left=max_tries - contact.failed_pins)


def _matches(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
