"""A dial's transcript travels with the dial and is handed to the worker once, when it ends.

Each hop appends a compact entry to the dial's state in Redis (saved in the pipeline the hop
sends anyway). When the dial ends (an END screen, AT's end-of-session event, or the sweep finding
a dial idle past ``idle_seconds``), the whole transcript goes to the ``DIALS`` stream in one
command, and the worker writes it to SQL and only then deletes the entry: a worker killed in
between leaves it there for the next drain, and hops are unique per ``(session_id, seq)``, so a
transcript handed over twice (swept, then ended after all) writes each hop once.

Live dials are indexed in the ``LIVE`` sorted set (state key -> time of the last hop), which is
how the sweep finds the ones that vanished, and how a hop whose state was lost knows it belongs to
a dial already under way.
"""

from __future__ import annotations

import json
import time
import zlib
from typing import Any

import redis

DIALS = "ussd:v1:dials"
DIALS_MAXLEN = 500_000
LIVE = "ussd:v1:live"
SWEEP_BATCH = 200

# A state longer than this is stored zlib-compressed (a ten-hop dial's transcript would take it
# past 2 KB of Redis; compressed it takes under half). JSON starts with "{", zlib with 0x78.
COMPRESS_ABOVE = 1200

# Where each field sits in a hop entry: [seq, screen, input, reply, ms, at]
SEQ, SCREEN, INPUT, REPLY, MS, AT = range(6)


_encode = json.JSONEncoder(separators=(",", ":")).encode
LOG_AT = ',"log":['  # where the transcript starts in a stored state: its last key


def encode_state(state: dict[str, Any]) -> bytes:
    """A dial's state as stored in Redis: JSON, compressed when it is long.

    The transcript (``log``) goes last. A live dial carries it as the JSON text of its entries
    (``log_text``), so a hop encodes only its own entry and the rest of the state, never the
    whole transcript again; a list of entries is encoded here. Either way the value is the same
    JSON object an older release wrote and reads.
    """
    head = {name: value for name, value in state.items() if name != "log"}
    text = _encode(head)
    if "log" in state:
        log = state["log"]
        entries = log if isinstance(log, str) else log_text(log)
        text = f"{text[:-1]}{LOG_AT if head else LOG_AT[1:]}{entries}]}}"
    raw = text.encode()
    if len(raw) <= COMPRESS_ABOVE:
        return raw
    # A smaller hash table (memLevel 4, not 8): zlib clears it for every stream, and at the default
    # size clearing it cost as much as compressing a 2 KB state. Same format, as small.
    packer = zlib.compressobj(1, zlib.DEFLATED, 15, 4)
    return packer.compress(raw) + packer.flush()


def decode_state(raw: bytes) -> dict[str, Any]:
    """What ``encode_state`` stored (or plain JSON written by an older release)."""
    data: dict[str, Any] = json.loads(zlib.decompress(raw) if raw[:1] == b"x" else raw)
    return data


def decode_dial(raw: bytes) -> dict[str, Any]:
    """A stored state with its transcript as the JSON text of its entries (``log_text``), for a
    hop that appends to it: the entries are not parsed. Reads what any release stored; raises
    ``ValueError`` (or ``TypeError``, ``zlib.error``) for what is not a state."""
    text = (zlib.decompress(raw) if raw[:1] == b"x" else raw).decode()
    at = text.rfind(LOG_AT) if text.endswith("]}") else -1
    if at > 0:
        # The transcript is the last key (this release's states): nothing after LOG_AT can hold
        # its own LOG_AT, as an entry's strings escape every quote. The rest is parsed as JSON.
        try:
            head = json.loads(text[:at] + "}")
        except ValueError:
            head = None
        if isinstance(head, dict) and "meta" in head and "log" not in head:
            head["log"] = text[at + len(LOG_AT):-2]
            return head
    data = json.loads(text)  # an older release's order (or no transcript): parse all of it
    if not isinstance(data, dict):
        raise TypeError("a dial's state is a JSON object")
    if isinstance(data.get("log"), list):
        data["log"] = log_text(data["log"])
    return data


def log_text(entries: list[list[Any]]) -> str:
    """Transcript entries as the JSON text between a list's brackets."""
    return _encode(entries)[1:-1]


def add_entry(log: str, entry: list[Any]) -> str:
    """``log`` (``log_text``) with ``entry`` after its last entry."""
    return f"{log},{_encode(entry)}" if log else _encode(entry)


def hop_entry(seq: int, screen: str, shown_input: str, reply: str, ms: float) -> list[Any]:
    """One hop as the dial's state carries it (``shown_input`` already masked when sensitive)."""
    return [seq, screen, shown_input, reply, round(ms, 2), round(time.time(), 3)]


def transcript(session_id: str, phone: str, code: str, network: str, bag: dict[str, Any],
               hops: list[list[Any]] | str) -> str:
    """The dial's transcript as the worker reads it from the ``DIALS`` stream (``hops`` a list of
    entries or their ``log_text``)."""
    text = _encode({"sid": session_id, "phone": phone, "code": code, "net": network,
                    "shop": bag.get("shop_id") or "", "funnel": bag.get("funnel", "dial"), "hops": []})
    entries = hops if isinstance(hops, str) else log_text(hops)
    return f"{text[:-3]}[{entries}]}}"


def sweep(client: redis.Redis, idle_seconds: float, now: float | None = None) -> int:
    """Hand over the transcripts of dials idle for ``idle_seconds``; returns how many.

    A dial that goes on after all is handed over again when it ends; its hops are written once.
    """
    now = time.time() if now is None else now
    keys: list[bytes] = client.zrangebyscore(LIVE, "-inf", now - idle_seconds,  # type: ignore[assignment]
                                             start=0, num=SWEEP_BATCH)
    for key in keys:
        close(client, key.decode())
    return len(keys)


def close(client: redis.Redis, state_key: str) -> bool:
    """Hand over the transcript of the live dial at ``state_key`` (if it has one) and stop
    tracking it; True when there was one to hand over."""
    raw = client.get(state_key)
    state = decode_state(raw) if raw else {}  # type: ignore[arg-type]
    pipe = client.pipeline(transaction=True)
    handed = bool(state.get("log")) and not state.get("ended")
    if handed:
        meta = state.get("meta") or {}
        pipe.xadd(DIALS, {"dial": transcript(meta.get("sid", ""), meta.get("phone", ""), meta.get("code", ""),
                                             meta.get("net", ""), state.get("bag") or {}, state["log"])},
                  maxlen=DIALS_MAXLEN, approximate=True)
    pipe.zrem(LIVE, state_key)
    pipe.execute()
    return handed
