"""What every SMS transport does: send one text to one number and say how it went.

A transport translates; it never decides. It returns an ``SmsReceipt`` for every answer the
provider gives (accepted, refused for good, or worth another try) and raises nothing for them,
so the send job alone decides what to record and whether to retry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

ACCEPTED = "accepted"  # the provider took the message; a delivery report may follow
PERMANENT = "permanent"  # the provider refused it and will refuse it again
RETRY = "retry"  # nothing was (knowingly) sent; trying again later may work


@dataclass(frozen=True)
class SmsReceipt:
    """The provider's answer about one message, in neutral words plus its own status word."""

    outcome: str  # ACCEPTED | PERMANENT | RETRY
    message_id: str | None = None
    status: str | None = None  # the provider's word: "Success", "InvalidPhoneNumber", ...
    status_code: int | None = None
    cost: str | None = None
    detail: str = ""


# What a delivery report says, in neutral words.
DELIVERED = "delivered"  # reached the handset
UNDELIVERED = "failed"  # the network gave up (rejected, failed, expired)
UNDER_WAY = None  # still travelling (sent, submitted, buffered)


@dataclass(frozen=True)
class DeliveryUpdate:
    """One delivery report: the provider's id and word for it, and what that word means here."""

    message_id: str
    status: str  # the provider's word, stored as-is
    meaning: str | None  # DELIVERED | UNDELIVERED | UNDER_WAY
    failure_reason: str | None = None  # stored as-is, even when unknown to us
    phone: str | None = None
    raw: str = ""


class SmsTransport(Protocol):
    """Sends SMS. ``send`` must use an explicit timeout and return (not raise) every outcome."""

    name: str

    def send(self, to: str, body: str) -> SmsReceipt:
        """Send ``body`` to ``to`` (E.164) once."""
        ...


def json_reply(text: str) -> dict[str, Any] | None:
    """A provider's JSON answer as an object, or None when it is not one (an HTML error page,
    truncated or absurdly nested JSON): the caller reports it as unreadable and retries."""
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return body if isinstance(body, dict) else None


def refusal_outcome(status: int) -> str:
    """How a send the provider did not accept ends: worth retrying when the provider is down,
    throttling or refusing our credentials (an operator can fix them); otherwise permanent."""
    return RETRY if status in (401, 429) or status >= 500 or status < 400 else PERMANENT
