"""A handset in the terminal: dials a running Bodega gateway the way Africa's Talking does.

Each dial is a new USSD session: the gateway gets AT's form (sessionId, phoneNumber,
networkCode, serviceCode, text with every answer so far joined by ``*``) and answers
``CON ...`` (type an answer) or ``END ...`` (the dial is over). Standard library only.

    python scripts/dial.py --url http://127.0.0.1:8000 --phone +254711000111 --code '*384*123#'
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import urllib.error
import urllib.parse
import urllib.request
import uuid

WIDTH = 30  # about a feature phone's screen


def post_hop(url: str, form: dict[str, str], timeout: float = 15.0) -> tuple[bool, str]:
    """Send one hop; returns (ended, screen). Raises ``RuntimeError`` with the reason on failure."""
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip()
        raise RuntimeError(f"HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise RuntimeError(f"cannot reach {url}: {exc}") from exc
    if body.startswith("CON "):
        return False, body[4:]
    if body.startswith("END "):
        return True, body[4:]
    raise RuntimeError(f"not a USSD reply (AT would drop the session): {body[:80]!r}")


def show(screen: str, ended: bool) -> None:
    print("+" + "-" * (WIDTH + 2) + "+")
    for line in screen.split("\n"):
        for part in textwrap.wrap(line, WIDTH) or [""]:
            print(f"| {part:<{WIDTH}} |")
    status = "session ended" if ended else f"{len(screen)} chars"
    print("+" + "-" * (WIDTH + 2) + "+", status)


def dial_once(url: str, phone: str, code: str) -> None:
    """One session, from the first screen to END (or until the user hangs up)."""
    session_id = f"ATUid_{uuid.uuid4().hex}"
    text = ""
    while True:
        form = {"sessionId": session_id, "phoneNumber": phone, "networkCode": "63902",
                "serviceCode": code, "text": text}
        ended, screen = post_hop(url, form)
        show(screen, ended)
        if ended:
            return
        try:
            answer = input("> ").strip()
        except EOFError:
            print("\n(hung up)")
            return
        text = answer if text == "" else f"{text}*{answer}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dial a running Bodega gateway like a handset.")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the gateway's base URL")
    parser.add_argument("--phone", default="+254711000111", help="the caller's number (E.164)")
    parser.add_argument("--code", default="*384*123#", help="the code dialled, e.g. *384*123*2# for shop 2")
    parser.add_argument("--key", default="", help="WEBHOOK_SECRET, when the gateway requires one")
    args = parser.parse_args(argv)
    endpoint = args.url.rstrip("/") + "/hooks/africastalking/ussd"
    if args.key:
        endpoint += "?" + urllib.parse.urlencode({"key": args.key})
    print(f"Dialling {args.code} as {args.phone}. Ctrl-D hangs up, Ctrl-C quits.")
    try:
        while True:
            try:
                dial_once(endpoint, args.phone, args.code)
            except RuntimeError as exc:
                print(f"error: {exc}", file=sys.stderr)
            again = input("Enter to dial again, q to quit: ").strip().lower()
            if again.startswith("q"):
                return 0
    except (KeyboardInterrupt, EOFError):
        print()
        return 0


if __name__ == "__main__":
    sys.exit(main())
