"""A hop's Redis traffic: one command to load, one to save, and scripts the server has forgotten
(a restart, a failover, SCRIPT FLUSH) loaded again without the customer noticing."""

from __future__ import annotations

import json
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
import redis.connection

from gateway.core.runtime import Runtime
from gateway.ussd import dial_log, dial_store
from gateway.ussd.dial_log import DIALS, LIVE
from gateway.ussd.hop import SORRY, UssdRequest, card_key, state_key
from tests.conftest import Dialer


@contextmanager
def redis_traffic() -> Iterator[Counter[str]]:
    """Count round trips (each packed send to the server) and the commands in them."""
    counts: Counter[str] = Counter()
    conn = redis.connection.AbstractConnection
    send_packed, send_one, pack_many = conn.send_packed_command, conn.send_command, conn.pack_commands

    def send(self: Any, command: Any, check_health: bool = True) -> None:
        counts["round trips"] += 1
        send_packed(self, command, check_health)

    def one(self: Any, *args: Any, **kwargs: Any) -> None:
        counts["commands"] += 1
        send_one(self, *args, **kwargs)

    def many(self: Any, commands: Any) -> Any:
        counts["commands"] += len(commands)
        return pack_many(self, commands)

    conn.send_packed_command, conn.send_command, conn.pack_commands = send, one, many  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        conn.send_packed_command, conn.send_command, conn.pack_commands = (  # type: ignore[method-assign]
            send_packed, send_one, pack_many)


def test_a_navigation_hop_is_two_round_trips_of_one_command(dialer: Dialer, demo_catalog: None,
                                                           rt: Runtime) -> None:
    dialer.dial()
    dialer.dial("1")  # the catalog snapshot is read and checked
    with redis_traffic() as counts:
        assert "KSh" in dialer.dial("1")
    assert counts == {"round trips": 2, "commands": 2}


@pytest.mark.parametrize("when", ["mid-dial", "before the dial"])
def test_hops_go_on_after_the_server_forgets_its_scripts(dialer: Dialer, demo_catalog: None, rt: Runtime,
                                                         when: str) -> None:
    if when == "before the dial":
        rt.redis.script_flush()
    dialer.dial()
    categories = dialer.dial("1")
    if when == "mid-dial":
        rt.redis.script_flush()
    products = dialer.dial("1")
    assert "Vegetables" in categories and "KSh" in products
    assert dialer.dial("0") == categories  # back: the state saved after the flush is the dial's
    assert rt.redis.zcard(LIVE) == 1


def test_a_save_after_a_flush_runs_the_jobs_commands_once(rt: Runtime) -> None:
    rt.redis.script_flush()
    pipe = rt.redis.pipeline(transaction=False)
    pipe.incr("test:jobs")
    with dial_store.Link(rt.redis) as link:
        dial_store.save(link, pipe, state_key="test:state", state=b"{}", ttl=60, live_key=LIVE, now=1.5,
                        card_key=card_key("+254711000111"), card='{"id":1}', card_ttl=60, dials_key=DIALS,
                        transcript=None, dials_maxlen=10)
    assert rt.redis.get("test:jobs") == b"1"
    assert rt.redis.get("test:state") == b"{}" and 0 < rt.redis.ttl("test:state") <= 60
    assert rt.redis.zscore(LIVE, "test:state") == 1.5
    assert rt.redis.get(card_key("+254711000111")) == b'{"id":1}'


def test_an_ending_save_hands_the_transcript_over_and_leaves_the_live_set(rt: Runtime) -> None:
    rt.redis.zadd(LIVE, {"test:state": 1.0})
    with dial_store.Link(rt.redis) as link:
        dial_store.save(link, None, state_key="test:state", state='{"ended":true}', ttl=120, live_key=LIVE,
                        now=2.0, card_key="test:card", card=None, card_ttl=60, dials_key=DIALS,
                        transcript='{"hops":[]}', dials_maxlen=10)
    assert rt.redis.zscore(LIVE, "test:state") is None
    assert rt.redis.exists("test:card") == 0  # no card given: the caller's card is left as it was
    [(_, fields)] = rt.redis.xrange(DIALS)
    assert fields == {b"dial": b'{"hops":[]}'}


def test_a_load_counts_the_callers_hops_and_expires_the_counter(rt: Runtime) -> None:
    for expected in (1, 2):
        with dial_store.Link(rt.redis) as link:
            state, hits, epoch, card = dial_store.load(link, "test:state", "test:rate", 120, "test:epoch",
                                                       "test:card")
        assert (state, hits, epoch, card) == (None, expected, None, None)
    assert 0 < rt.redis.ttl("test:rate") <= 120


def test_a_load_reads_the_callers_card_only_for_a_dial_with_no_state(rt: Runtime) -> None:
    rt.redis.set("test:card", b'{"id":1}')
    rt.redis.set("test:epoch", b"e1")
    with dial_store.Link(rt.redis) as link:
        assert dial_store.load(link, "test:state", "test:rate", 120, "test:epoch", "test:card") == (
            None, 1, b"e1", b'{"id":1}')
        rt.redis.set("test:state", b"{}")
        assert dial_store.load(link, "test:state", "test:rate", 120, "test:epoch", "test:card") == (
            b"{}", 2, b"e1", None)


def test_a_connection_the_server_dropped_is_opened_again(dialer: Dialer, demo_catalog: None,
                                                         rt: Runtime) -> None:
    dialer.dial()
    categories = dialer.dial("1")
    killer = redis.Redis.from_url(rt.settings.REDIS_URL)
    assert killer.client_kill_filter(_type="normal", skipme=True) >= 1  # the pool's connections too
    products = dialer.dial("1")
    assert "KSh" in products and dialer.dial("0") == categories
    killer.close()


def test_a_command_whose_connection_breaks_is_sent_again_once(dialer: Dialer, demo_catalog: None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A failover (the old master turned replica) or a drop between taking the connection from
    the pool and sending: the command goes again on a new connection, the hop is answered."""
    dialer.dial()
    breaks = [1]
    send = redis.connection.AbstractConnection.send_command

    def flaky(self: Any, *args: Any, **kwargs: Any) -> None:
        if breaks and args[0] == "EVALSHA":
            breaks.pop()
            raise redis.ConnectionError("Connection closed by server.")
        send(self, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_command", flaky)
    assert "Vegetables" in dialer.dial("1")
    assert breaks == []


def test_a_long_state_is_stored_compressed_in_zlibs_usual_format() -> None:
    hops = [[seq, "shop.products", "1", "Vegetables\n1. Avocado - KSh 25\n2. Cabbage - KSh 60\n0 Back", 0.5,
             1_796_153_162.5 + seq] for seq in range(1, 21)]
    state = {"screen": "shop.products", "log": hops, "text": "1*1*1"}
    stored = dial_log.encode_state(state)
    assert stored[:1] == b"x" and len(stored) < dial_log.COMPRESS_ABOVE / 2  # what older releases read
    assert json.loads(zlib.decompress(stored)) == state == dial_log.decode_state(stored)
    short = {"screen": "home", "log": hops[:1]}
    plain = dial_log.encode_state(short)
    assert plain[:1] == b"{" and dial_log.decode_state(plain) == short


def test_a_hops_round_trips_share_one_connection_given_back_at_the_end(rt: Runtime) -> None:
    with dial_store.Link(rt.redis) as link:
        first, second = link.command("CLIENT", "ID"), link.command("CLIENT", "ID")
        assert first == second
    assert link.conn is None
    with pytest.raises(redis.ResponseError), dial_store.Link(rt.redis) as failing:
        failing.command("NO-SUCH-COMMAND")
    assert failing.conn is None  # an error answered by the server still gives the connection back


@pytest.mark.parametrize("stored", [b"x not zlib", b"{not json", b'{"lang": "en"}', b"[1, 2]"])
def test_an_unreadable_state_ends_the_dial_politely(dialer: Dialer, rt: Runtime, stored: bytes) -> None:
    dialer.dial()
    rt.redis.set(state_key(UssdRequest(dialer.session_id, dialer.phone, "", "")), stored)
    assert dialer.dial("1") == f"END {SORRY}"
