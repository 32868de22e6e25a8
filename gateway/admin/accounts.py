"""Console accounts: Argon2id password hashes, creation and sign-in checks. Never commits."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.commerce.models import AdminUser, Shop
from gateway.core.errors import BadRequest
from gateway.core.text import as_number

ROLES = ("admin", "staff")
_hasher = PasswordHasher()  # argon2-cffi's defaults: Argon2id, RFC 9106 low-memory profile
# Verified when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(db: Session, username: str, password: str, role: str = "admin",
                shop_id: int | None = None) -> AdminUser:
    """Add a console account; ``BadRequest`` says what is wrong (empty password, unknown shop...).

    Staff must name a shop (they see only its orders and products). The caller commits.
    """
    username = username.strip()
    if not username or len(username) > 60:
        raise BadRequest("the name must be 1 to 60 characters")
    if not password.strip():
        raise BadRequest("the password is empty")
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}")
    if role == "staff" and shop_id is None:
        raise BadRequest("staff accounts need --shop (the shop number they work for)")
    if shop_id is not None and db.get(Shop, shop_id) is None:
        raise BadRequest(f"no shop with id {shop_id}")
    taken = db.scalar(select(AdminUser.id).where(func.lower(AdminUser.username) == username.lower()))
    if taken is not None:
        raise BadRequest(f"an account named {username!r} already exists")
    user = AdminUser(username=username, password_hash=hash_password(password), role=role, shop_id=shop_id)
    db.add(user)
    db.flush()
    return user


def authenticate(db: Session, username: str, password: str) -> AdminUser | None:
    """The account whose name and password match, else None (same cost either way).

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
    if user is None or session_token(user) != token:
        return None
    return user
