"""The console's password policy: long enough, and not one everybody tries first.

``check_password`` raises ``BadRequest`` with a sentence an operator can act on. The common list
is data (``config/common_passwords.txt``), read once per process.
"""

from __future__ import annotations

from functools import lru_cache

from config.settings import ROOT
from gateway.core.errors import BadRequest

MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON_LIST = ROOT / "config" / "common_passwords.txt"
_TRAILING = "0123456789!@#$%^&*()-_=+.,;:?~ "


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords and their base words, lower case."""
    lines = COMMON_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str, username: str = "") -> bool:
    """True for a listed password, a listed word with digits or symbols after it, the account's
    own name (so dressed), or one character repeated."""
    lowered = password.strip().lower()
    base = lowered.rstrip(_TRAILING)
    names = {username.strip().lower()} - {""}
    return (lowered in common_passwords() or base in common_passwords() or base in names
            or lowered in names or len(set(lowered)) <= 2)


def check_password(password: str, username: str = "") -> None:
    """Refuse a password shorter than ``MIN_LENGTH`` characters or a common one."""
    if not password.strip():
        raise BadRequest("the password is empty")
    if len(password) < MIN_LENGTH:
        raise BadRequest(f"the password is too short: use at least {MIN_LENGTH} characters "
                         f"(a few words make a good one)")
    if len(password) > MAX_LENGTH:
        raise BadRequest(f"the password is too long: use at most {MAX_LENGTH} characters")
    if is_common(password, username):
        raise BadRequest("that password is one of the first ones attackers try: choose another")
