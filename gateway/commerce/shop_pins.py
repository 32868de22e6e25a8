"""A shop's optional PIN for the SMS commands that change stock, price or visibility.

The PIN is stored as an argon2 hash on the shop. Each contact (a number on a shop) has its own
count of wrong PINs: after ``max_tries`` in a row its PIN commands are locked until
``locked_until``, which stops guessing by anyone who can send from (or spoof) that number. Order
commands stay open during a lock, so a fat-fingered owner can still serve customers.
Functions here never commit.
"""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, func, or_, update
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


def normal_pin(token: str) -> str:
    """``token`` as the digits it shows (NFKC: full-width ``５５５５`` is ``5555``)."""
    return unicodedata.normalize("NFKC", token)


def looks_like_pin(token: str) -> bool:
    """4-6 digits, in any script's digits that NFKC reads as ASCII ones."""
    token = normal_pin(token)
    return token.isascii() and token.isdigit() and len(token) in PIN_DIGITS


def set_pin(shop: Shop, pin: str | None) -> None:
    """Require ``pin`` (4-6 digits, else ``ValueError``) for the shop's stock commands; None removes it."""
    if pin is None:
        shop.pin_hash = None
        return
    if not looks_like_pin(pin):
        raise ValueError("a PIN is 4 to 6 digits")
    shop.pin_hash = _hasher.hash(normal_pin(pin))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def check_pin(db: Session, contact: ShopContact, pin: str | None, now: datetime,
              max_tries: int = 3, lock_minutes: int = 30) -> PinResult:
    """Check ``pin`` for a PIN command by ``contact`` on its shop, counting wrong tries.

    Atomic across workers: every try first takes one of the ``max_tries`` with a conditional
    UPDATE (refused while locked or when the tries are taken), so eleven wrong PINs and a right
    one sent at once are checked at most ``max_tries`` times, the lock is written once, and the
    right PIN during a lock is refused. A missing PIN is not a try. A new lock is audited
    (``pin.locked``). The row stays locked by the UPDATE until the caller commits.
    """
    shop = contact.shop
    if not shop.pin_hash:
        return PinResult(PinCheck.NOT_NEEDED)
    if not pin:
        db.refresh(contact)
        locked = contact.locked_until is not None and _aware(contact.locked_until) > now
        return _locked(contact) if locked else PinResult(PinCheck.MISSING)
    if not _take_try(db, contact, now, max_tries):
        return _locked(contact)
    if _matches(shop.pin_hash, normal_pin(pin)):
        return PinResult(PinCheck.OK) if _clear_tries(db, contact, now) else _locked(contact)
    return _wrong(db, contact, now, max_tries, lock_minutes)


def _unlocked(now: datetime) -> ColumnElement[bool]:
    return or_(ShopContact.locked_until.is_(None), ShopContact.locked_until <= now)


def _update(db: Session, contact: ShopContact, *where: ColumnElement[bool], **values: object) -> bool:
    """One conditional UPDATE of ``contact``'s row; True when it matched. ``contact`` is reloaded."""
    result = db.execute(update(ShopContact).where(ShopContact.id == contact.id, *where).values(**values)
                        .execution_options(synchronize_session=False))
    db.refresh(contact)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _take_try(db: Session, contact: ShopContact, now: datetime, max_tries: int) -> bool:
    return _update(db, contact, _unlocked(now), func.coalesce(ShopContact.failed_pins, 0) < max_tries,
                   failed_pins=func.coalesce(ShopContact.failed_pins, 0) + 1)


def _clear_tries(db: Session, contact: ShopContact, now: datetime) -> bool:
    return _update(db, contact, _unlocked(now), failed_pins=0, locked_until=None)


def _wrong(db: Session, contact: ShopContact, now: datetime, max_tries: int, lock_minutes: int) -> PinResult:
    """The try was wrong: the one that used up the last try writes the lock (once) and audits it."""
    if _update(db, contact, _unlocked(now), ShopContact.failed_pins >= max_tries,
               failed_pins=0, locked_until=now + timedelta(minutes=lock_minutes)):
        db.add(AuditEntry(shop_id=contact.shop_id, actor=contact.phone, channel="sms", action="pin.locked",
                          subject=f"contact {contact.phone}", detail=f"{max_tries} wrong PINs"))
        return _locked(contact)
    return PinResult(PinCheck.WRONG, tries_left=max(max_tries - (contact.failed_pins or 0), 1))


def _locked(contact: ShopContact) -> PinResult:
    until = contact.locked_until
    return PinResult(PinCheck.LOCKED, locked_until=_aware(until) if until else None)


def _matches(pin_hash: str, pin: str) -> bool:
    try:
        return _hasher.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
