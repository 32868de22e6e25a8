"""Text a running Bodega gateway as a phone, the way Africa's Talking delivers an inbound SMS.

Posts AT's inbound SMS form (``from``, ``to``, ``text``, ``id``, ``date``, ``linkId``,
``networkCode``) to ``/hooks/africastalking/sms``; the worker answers, and with the console outbox
the reply shows in the gateway's terminal and the simulator. Standard library only.

    python scripts/sms.py --url http://127.0.0.1:8000 --from +254722000101 --text 'ORDERS'
"""

from __future__ import annotations

import argparse
import sys
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime


def inbound_form(sender: str, to: str, text: str) -> dict[str, str]:
    """AT's inbound SMS callback form for one message."""
    return {"from": sender, "to": to, "text": text, "id": f"cli-{uuid.uuid4()}",
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "linkId": f"CliLinkId{uuid.uuid4().hex[:12]}", "networkCode": "99999"}


def send(url: str, form: dict[str, str], timeout: float = 15.0) -> str:
    """Post the form; returns the gateway's answer, ``RuntimeError`` with the reason otherwise."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read().decode("utf-8", "replace").strip()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"HTTP {exc.code}: {exc.read().decode('utf-8', 'replace').strip()}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise RuntimeError(f"cannot reach {url}: {exc}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the gateway's root URL")
    parser.add_argument("--from", dest="sender", required=True, help="the sender, e.g. +254722000101")
    parser.add_argument("--to", default="22384", help="the short code texted (AT_SHORTCODE)")
    parser.add_argument("--text", required=True, help="the message")
    parser.add_argument("--key", default="", help="WEBHOOK_SECRET, when the gateway has one")
    args = parser.parse_args(argv)
    query = f"?{urllib.parse.urlencode({'key': args.key})}" if args.key else ""
    try:
        answer = send(f"{args.url.rstrip('/')}/hooks/africastalking/sms{query}",
                      inbound_form(args.sender, args.to, args.text))
    except RuntimeError as exc:
        print(f"not sent: {exc}", file=sys.stderr)
        return 1
    print(f"sent as {args.sender} to {args.to}: {answer}; the reply appears in the gateway's log "
          "(console outbox) or the simulator's shop tab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
