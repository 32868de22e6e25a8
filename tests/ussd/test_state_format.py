"""The stored state of a live dial: the transcript travels as the JSON text of its entries, and a
state written by an older release (a dial under way during a deploy) still reads and goes on."""

from __future__ import annotations

import json
import zlib

import pytest

from gateway.core.runtime import Runtime
from gateway.ussd import dial_log
from gateway.ussd.hop import UssdRequest, state_key
from tests.conftest import Dialer

HOPS = [[seq, "shop.products", "1", 'Veg "fresh"\n1. Avocado - KSh 25\n0 Back', 0.5, 1_796_153_162.5 + seq]
        for seq in range(1, 21)]
HEAD = {"customer_id": 7, "lang": "en", "screen": "shop.products", "data": {"log": [1], "keys": [1, 2]},
        "bag": {"funnel": "shop"}, "text": "1*1", "meta": {"sid": "s", "phone": "+254700000001"}}


@pytest.mark.parametrize("hops", [HOPS, HOPS[:1], []])
def test_a_state_reads_back_with_its_transcript_as_written(hops: list[list[object]]) -> None:
    stored = dial_log.encode_state({**HEAD, "log": dial_log.log_text(hops)})
    assert dial_log.decode_state(stored) == {**HEAD, "log": hops}  # plain JSON: what older releases read
    assert dial_log.decode_dial(stored) == {**HEAD, "log": dial_log.log_text(hops)}
    assert stored == dial_log.encode_state({**HEAD, "log": hops})


@pytest.mark.parametrize("compress", [False, True])
def test_a_state_an_older_release_wrote_reads_with_its_transcript(compress: bool) -> None:
    old = {"customer_id": 7, "lang": "en", "screen": "home", "log": HOPS[:3], "meta": {"sid": "s"}}
    raw = json.dumps(old, separators=(",", ":")).encode()  # the log before meta, as they wrote it
    stored = zlib.compress(raw, 1) if compress else raw
    assert dial_log.decode_dial(stored) == {**old, "log": dial_log.log_text(HOPS[:3])}


def test_adding_an_entry_and_the_transcript_match_the_lists() -> None:
    log = ""
    for hop in HOPS[:4]:
        log = dial_log.add_entry(log, hop)
    assert json.loads(f"[{log}]") == HOPS[:4]
    bag = {"shop_id": 3, "funnel": "cart"}
    assert (dial_log.transcript("s", "+2547", "*384#", "63902", bag, log)
            == dial_log.transcript("s", "+2547", "*384#", "63902", bag, HOPS[:4]))
    assert json.loads(dial_log.transcript("s", "+2547", "*384#", "63902", bag, ""))["hops"] == []


def test_a_dial_under_way_during_a_deploy_goes_on_and_keeps_its_transcript(
        dialer: Dialer, demo_catalog: None, rt: Runtime) -> None:
    dialer.dial()
    dialer.dial("1")
    key = state_key(UssdRequest(dialer.session_id, dialer.phone, "", ""))
    state = dial_log.decode_state(rt.redis.get(key))  # type: ignore[arg-type]
    meta = state.pop("meta")
    old = json.dumps({**state, "meta": meta}, separators=(",", ":")).encode()  # the order they wrote
    assert old.index(b'"log"') < old.index(b'"meta"')
    rt.redis.set(key, old)
    assert "Vegetables" in dialer.dial("1")
    hops = dial_log.decode_state(rt.redis.get(key))["log"]  # type: ignore[arg-type]
    assert [hop[dial_log.SEQ] for hop in hops] == [1, 2, 3]
    assert hops[:2] == state["log"]
