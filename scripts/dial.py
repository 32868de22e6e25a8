"""A handset in the terminal: dials a running Bodega gateway the way a USSD aggregator does.

Each dial is a new USSD session, carried in the chosen aggregator's own format: Africa's
Talking's form (``text`` with every answer so far joined by ``*``; ``CON``/``END`` replies) by
default, or Hubtel's, Arkesel's or Nalo's JSON (the latest answer only; their JSON replies).
Standard library only, besides the format descriptions in ``gateway/transports/ussd_callers.py``.

    python scripts/dial.py --url http://127.0.0.1:8000 --phone +254711000111 --code '*384*123#'
    python scripts/dial.py --provider hubtel --phone +233246912184 --code '*713*32#'
"""

from __future__ import annotations

import argparse
import sys
import textwrap
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from gateway.transports.ussd_callers import HOOKS, NotAUssdReply, UssdCall

WIDTH = 30  # about a feature phone's screen


def post_hop(url: str, call: UssdCall, request: tuple[str, bytes], timeout: float = 15.0) -> tuple[bool, str]:
    """Send one hop; returns (ended, screen). Raises ``RuntimeError`` with the reason on failure."""
    content_type, data = request
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip()
        raise RuntimeError(f"HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise RuntimeError(f"cannot reach {url}: {exc}") from exc
    try:
        return call.read(body)
    except NotAUssdReply as exc:
        raise RuntimeError(f"{exc} ({call.provider} would drop the session)") from exc


def show(screen: str, ended: bool) -> None:
    print("+" + "-" * (WIDTH + 2) + "+")
    for line in screen.split("\n"):
        for part in textwrap.wrap(line, WIDTH) or [""]:
            print(f"| {part:<{WIDTH}} |")
    status = "session ended" if ended else f"{len(screen)} chars"
    print("+" + "-" * (WIDTH + 2) + "+", status)


def dial_once(url: str, provider: str, phone: str, code: str) -> None:
    """One session, from the first screen to END (or until the user hangs up)."""
    call = UssdCall(provider, phone, code)
    request = call.request()
    while True:
        ended, screen = post_hop(url, call, request)
        show(screen, ended)
        if ended:
            return
        try:
            answer = input("> ").strip()
        except EOFError:
            print("\n(hung up)")
            return
        request = call.request(answer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dial a running Bodega gateway like a handset.")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the gateway's base URL")
    parser.add_argument("--phone", default="+254711000111", help="the caller's number (E.164)")
    parser.add_argument("--code", default="*384*123#", help="the code dialled, e.g. *384*123*2# for shop 2")
    parser.add_argument("--key", default="", help="WEBHOOK_SECRET, when the gateway requires one")
    parser.add_argument("--provider", default="africastalking", choices=sorted(HOOKS),
                        help="the aggregator whose format to speak")
    args = parser.parse_args(argv)
    endpoint = args.url.rstrip("/") + HOOKS[args.provider]
    if args.key:
        endpoint += "?" + urllib.parse.urlencode({"key": args.key})
    print(f"Dialling {args.code} as {args.phone} through {args.provider}. Ctrl-D hangs up, Ctrl-C quits.")
    try:
        while True:
            try:
                dial_once(endpoint, args.provider, args.phone, args.code)
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
