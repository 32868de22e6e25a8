"""Console accounts: Argon2id password hashes, creation, disabling, password resets and sign-in
checks. Every change is written to the audit trail; nothing here commits."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.admin.passwords import check_password
from gateway.commerce.models import AdminUser, AuditEntry, Shop
from gateway.core.errors import BadRequest
from gateway.core.text import as_number

ROLES = ("admin", "staff")
_hasher = PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile
# Verified when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(db: Session, username: str, password: str, role: str = "admin",
                shop_id: int | None = None, actor: str = "cli") -> AdminUser:
    """Add a console account; ``BadRequest`` says what is wrong (weak password, unknown shop...).

    Staff must name a shop (they see only its orders and products). Audited as ``actor``; the
    caller commits.
    """
    username = username.strip()
    if not username or len(username) > 60:
        raise BadRequest("the name must be 1 to 60 characters")
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}")
    if role == "staff" and shop_id is None:
        raise BadRequest("staff accounts need --shop (the shop number they work for)")
    if shop_id is not None and db.get(Shop, shop_id) is None:
        raise BadRequest(f"no shop with id {shop_id}")
    taken = db.scalar(select(AdminUser.id).where(func.lower(AdminUser.username) == username.lower()))
    if taken is not None:
        raise BadRequest(f"an account named {username!r} already exists")
    check_password(password, username)
    user = AdminUser(username=username, password_hash=hash_password(password), role=role, shop_id=shop_id)
    db.add(user)
    db.flush()
    _audit(db, actor, "account.create", user, f"{role}" + (f" of shop id {shop_id}" if shop_id else ""))
    return user


def _audit(db: Session, actor: str, action: str, user: AdminUser, detail: str | None = None) -> None:
    db.add(AuditEntry(shop_id=user.shop_id, actor=actor[:60], channel="admin", action=action,
                      subject=f"account {user.username}"[:80], detail=detail))


def list_users(db: Session) -> list[AdminUser]:
    """Every console account, by name."""
    return list(db.scalars(select(AdminUser).order_by(func.lower(AdminUser.username))))


def find_user(db: Session, username: str) -> AdminUser:
    """The account named ``username`` (any case), else ``BadRequest``."""
    user = db.scalar(select(AdminUser).where(func.lower(AdminUser.username) == username.strip().lower()))
    if user is None:
        raise BadRequest(f"no account named {username.strip()!r}")
    return user


def set_disabled(db: Session, user: AdminUser, disabled: bool, actor: str) -> bool:
    """Disable (or enable again) an account; False when it already was. A disabled account
    cannot sign in and its open sessions stop working. The last enabled admin cannot be disabled."""
    if (user.disabled_at is not None) == disabled:
        return False
    if disabled and user.role == "admin" and _enabled_admins(db) <= 1:
        raise BadRequest(f"{user.username!r} is the last enabled admin: enable or create another first")
    user.disabled_at = datetime.now(UTC) if disabled else None
    _audit(db, actor, "account.disable" if disabled else "account.enable", user)
    return True


def _enabled_admins(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(AdminUser).where(
        AdminUser.role == "admin", AdminUser.disabled_at.is_(None))) or 0


def reset_password(db: Session, user: AdminUser, password: str, actor: str) -> None:
    """Give ``user`` a new password (the policy applies); every session of theirs signs out."""
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    _audit(db, actor, "account.password", user)


def authenticate(db: Session, username: str, password: str) -> AdminUser | None:
    """The account whose name and password match, else None (same cost either way). A disabled
    account is returned too: the caller refuses it with its own message.

    Rehashes the password when the hasher's parameters have changed; the caller commits.
    """
    user = db.scalar(select(AdminUser).where(func.lower(AdminUser.username) == username.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def session_token(user: AdminUser) -> str:
    """What the login cookie holds: the id plus a fingerprint of the hash, so a new password
    signs every other session out."""
    fingerprint = hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]
    return f"{user.id}.{fingerprint}"


def user_for_token(db: Session, token: str) -> AdminUser | None:
    """The account a login cookie names, or None when it is unknown or its password changed."""
    raw_id, _, _ = token.partition(".")
    user_id = as_number(raw_id)
    if user_id is None:
        return None
    user = db.get(AdminUser, user_id)
    if user is None or user.disabled_at is not None or session_token(user) != token:
        return None
    return user
