"""The SMS transport used when ``AT_USERNAME`` is unset: nothing leaves the machine.

Each message is reported as sent, so its outbox row turns ``sent`` and the phone simulator and
the admin show it exactly as they would show a message AT accepted. The log shows each message on
one line so a developer can follow ``make run``, with every phone number masked and anything shaped
like an M-Pesa receipt hidden (``redact``): the log never holds a full number or a receipt.
"""

from __future__ import annotations

import logging
import re
import uuid

from config.log_levels import one_line
from gateway.core.phone import mask
from gateway.transports.base import ACCEPTED, SmsReceipt

log = logging.getLogger(__name__)
_NUMBER = re.compile(r"\+?\d[\d ]{7,16}\d")
_RECEIPT = re.compile(r"\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{10}\b")  # an M-Pesa receipt


def redact(body: str) -> str:
    """The body as the log may show it: phone numbers masked, M-Pesa receipts hidden."""
    masked = _NUMBER.sub(lambda m: mask(m.group(0).replace(" ", "")), body)
    return _RECEIPT.sub("**********", masked)


class ConsoleSms:
    """Records messages locally (the log and the outbox row) instead of sending them."""

    name = "console"

    def send(self, to: str, body: str) -> SmsReceipt:
        message_id = f"console-{uuid.uuid4().hex}"
        log.info("SMS to %s (console outbox, not sent): %s", mask(to), one_line(redact(body), 400))
        return SmsReceipt(ACCEPTED, message_id=message_id, status="Console", status_code=None,
                          detail="recorded by the console transport")
