"""The SMS transport used when ``AT_USERNAME`` is unset: nothing leaves the machine.

Each message is reported as sent, so its outbox row turns ``sent`` and the phone simulator and
the admin show it exactly as they would show a message AT accepted. The log says that it was
recorded, never its body: bodies carry receipts and order details.
"""

from __future__ import annotations

import logging
import uuid

from gateway.core.phone import mask
from gateway.transports.base import ACCEPTED, SmsReceipt

log = logging.getLogger(__name__)


class ConsoleSms:
    """Records messages locally (the log and the outbox row) instead of sending them."""

    name = "console"

    def send(self, to: str, body: str) -> SmsReceipt:
        message_id = f"console-{uuid.uuid4().hex}"
        log.info("SMS to %s (console, not sent): %d characters, shown in the outbox", mask(to), len(body))
        return SmsReceipt(ACCEPTED, message_id=message_id, status="Console", status_code=None,
                          detail="recorded by the console transport")
