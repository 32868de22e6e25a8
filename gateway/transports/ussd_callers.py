"""How each USSD aggregator calls the gateway: its verbatim request for a hop, and how it reads
the reply. The handset side of the adapters, for the phone simulator, ``scripts/dial.py`` and the
tests. Standard library only, so ``scripts/dial.py`` can use it without the gateway's packages.

    call = UssdCall("hubtel", "+233246912184", "*713*2#")
    content_type, body = call.request()          # the dial opens
    ended, screen = call.read(reply_bytes)        # what the handset shows
    content_type, body = call.request("1")       # the customer answers "1"
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

HOOKS = {
    "africastalking": "/hooks/africastalking/ussd",
    "hubtel": "/hooks/hubtel/ussd",
    "arkesel": "/hooks/arkesel/ussd",
    "nalo": "/hooks/nalo/ussd",
}
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


class NotAUssdReply(ValueError):
    """The gateway's answer is not one the aggregator could show (it would drop the dial)."""


@dataclass
class UssdCall:
    """One dial as ``provider`` carries it. ``typed`` holds every answer sent so far."""

    provider: str
    phone: str  # E.164
    code: str
    session_id: str = ""
    typed: list[str] = field(default_factory=list)
    hops: int = 0

    def __post_init__(self) -> None:
        if self.provider not in HOOKS:
            raise ValueError(f"unknown USSD provider {self.provider!r}; use one of {', '.join(HOOKS)}")
        if not self.session_id:
            prefix = "ATUid_" if self.provider == "africastalking" else ""
            self.session_id = prefix + uuid.uuid4().hex

    @property
    def hook(self) -> str:
        return HOOKS[self.provider]

    def request(self, answer: str | None = None) -> tuple[str, bytes]:
        """(content type, body) of the next hop: the dial's opening without ``answer``."""
        if answer is not None:
            self.typed.append(answer)
        self.hops += 1
        return self.again()

    def again(self) -> tuple[str, bytes]:
        """The last request once more, exactly as the aggregator resends one it thinks was lost."""
        first = not self.typed
        latest = self.code if first else self.typed[-1]
        msisdn = self.phone.lstrip("+")
        if self.provider == "africastalking":
            form = {"sessionId": self.session_id, "phoneNumber": self.phone, "networkCode": "63902",
                    "serviceCode": self.code, "text": "*".join(self.typed)}
            return FORM, urlencode(form).encode()
        if self.provider == "hubtel":
            body: dict[str, object] = {
                "Type": "Initiation" if first else "Response", "Mobile": msisdn, "SessionId": self.session_id,
                "ServiceCode": self.code.strip("*#").split("*")[0], "Message": latest,
                "Operator": "mtn", "Sequence": self.hops, "ClientState": ""}
        elif self.provider == "arkesel":
            body = {"sessionID": self.session_id, "userID": "bodega-sim", "newSession": first,
                    "msisdn": msisdn, "userData": latest, "network": "MTN"}
        else:
            body = {"USERID": "NALOTest", "MSISDN": msisdn, "USERDATA": latest, "MSGTYPE": first,
                    "NETWORK": "MTN", "SESSIONID": self.session_id}
        return JSON, json.dumps(body).encode()

    def read(self, reply: bytes) -> tuple[bool, str]:
        """(ended, screen) from the gateway's reply; ``NotAUssdReply`` when it is not one."""
        text = reply.decode("utf-8", "replace")
        if self.provider == "africastalking":
            if text.startswith(("CON ", "END ")):
                return text.startswith("END "), text[4:]
            raise NotAUssdReply(f"not CON/END: {text[:80]!r}")
        try:
            body = json.loads(text)
            if self.provider == "hubtel":
                return body["Type"] == "Release", str(body["Message"])
            if self.provider == "arkesel":
                return body["continueSession"] is not True, str(body["message"])
            return body["MSGTYPE"] is not True, str(body["MSG"])
        except (ValueError, KeyError, TypeError) as exc:
            raise NotAUssdReply(f"not a {self.provider} reply: {text[:80]!r}") from exc
