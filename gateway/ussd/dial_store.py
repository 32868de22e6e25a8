"""A hop's two Redis round trips, each one command: server-side Lua scripts run by their SHA1.

``load`` reads the dial's state, counts the caller's hop for the abuse limit, and reads the
catalog epoch and, for a dial with no state yet, the caller's card. ``save`` writes the caller's
card (when the dial changed it), the dial's state and its place in the live set, or, when the
dial ends, the short-lived record of its last reply and its transcript for the worker. Each
script runs atomically, so a save lands whole or not at all.

Scripts are sent by SHA1 (``EVALSHA``, on the hop's one connection: ``Link``); a server that does
not know one (a restart, a failover, ``SCRIPT FLUSH``) answers ``NOSCRIPT``, and the script is
loaded and run again: one extra round trip, once per server. Both the embedded redis-server and
a real Redis run Lua.

One command instead of a pipeline of five spares the client most of its per-command work
(packing, parsing a reply each, the pipeline object), which was a sixth of a hop's CPU.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import redis
import redis.exceptions
from redis.client import Pipeline
from redis.exceptions import NoScriptError, ResponseError

Arg = str | bytes | int | float


class Link:
    """One pooled connection for a hop's two round trips: taken at the first command, given back
    by ``close`` (``with Link(client) as link:``).

    Commands go straight to the connection, past ``client.execute_command``'s wrappers (retries
    with backoff, metrics, argument checks), which cost as much CPU as the hop's two commands
    themselves. A connection the server has dropped (a restart, a failover, an idle timeout) is
    opened again once; a server that does not answer in the client's timeout fails the command
    at once, and the hop ends politely.
    """

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.conn: Any = None

    def __enter__(self) -> Link:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.conn is not None:
            conn, self.conn = self.conn, None
            self.client.connection_pool.release(conn)

    def command(self, *args: Arg) -> Any:
        """Send one command and return the server's raw reply."""
        if self.conn is None:
            self.conn = self.client.connection_pool.get_connection()
        conn = self.conn
        try:
            try:
                conn.send_command(*args)
                return conn.read_response()
            except redis.exceptions.ConnectionError:
                conn.disconnect()
                conn.send_command(*args)
                return conn.read_response()
        except ResponseError:  # the server's answer, on a connection still fit for the next command
            raise
        except BaseException:  # a reply may still be on its way: never send on it again as it is
            conn.disconnect()
            raise


class Script:
    """A Lua script called by its SHA1, loaded again whenever the server has forgotten it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    def __call__(self, link: Link, keys: Sequence[str], args: Sequence[Arg]) -> Any:
        try:
            return link.command("EVALSHA", self.sha, len(keys), *keys, *args)
        except NoScriptError:
            link.command("SCRIPT", "LOAD", self.source)
            return link.command("EVALSHA", self.sha, len(keys), *keys, *args)

    def queue(self, pipe: Pipeline, keys: Sequence[str], args: Sequence[Arg]) -> None:
        """Add a call to ``pipe``; ``execute`` (below) answers a ``NOSCRIPT`` in it."""
        pipe.evalsha(self.sha, len(keys), *keys, *args)

    def execute(self, link: Link, pipe: Pipeline, keys: Sequence[str], args: Sequence[Arg]) -> None:
        """Send ``pipe`` ending in this script's call (``queue``): one round trip. If the server
        had forgotten the script, load it and run the call again; the pipeline's other commands
        ran once. Raises the first other error, as ``pipe.execute()`` would."""
        results = pipe.execute(raise_on_error=False)
        if isinstance(results[-1], NoScriptError):
            self(link, keys, args)
            results = results[:-1]
        for result in results:
            if isinstance(result, Exception):
                raise result


# KEYS: state, hop counter, catalog epoch, card. ARGV: the counter's TTL.
# The card is read only for a dial with no state yet: a dial under way carries its own.
LOAD = Script("""
local hits = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
local state = redis.call('GET', KEYS[1])
local card = false
if not state then
  card = redis.call('GET', KEYS[4])
end
return {state, hits, redis.call('GET', KEYS[3]), card}
""")

# KEYS: state, live set, card, dials stream.
# ARGV: state, state TTL, card ("" leaves it), card TTL, now, transcript ("" while the dial goes
# on), the stream's approximate length cap.
SAVE = Script("""
if ARGV[3] ~= '' then
  redis.call('SET', KEYS[3], ARGV[3], 'EX', ARGV[4])
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if ARGV[6] == '' then
  redis.call('ZADD', KEYS[2], ARGV[5], KEYS[1])
else
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[7], '*', 'dial', ARGV[6])
  redis.call('ZREM', KEYS[2], KEYS[1])
end
return 1
""")


def load(link: Link, state_key: str, rate_key: str, rate_ttl: int, epoch_key: str,
         card_key: str) -> tuple[bytes | None, int, bytes | None, bytes | None]:
    """(state, hits this minute, catalog epoch, card) in one round trip; the card only when there
    is no state (a new dial, or one whose state was lost)."""
    state, hits, epoch, card = LOAD(link, (state_key, rate_key, epoch_key, card_key), (rate_ttl,))
    return state, int(hits), epoch, card


def save(link: Link, pipe: Pipeline | None, *, state_key: str, state: bytes | str, ttl: int,
         live_key: str, now: float, card_key: str, card: str | None, card_ttl: int, dials_key: str,
         transcript: str | None, dials_maxlen: int) -> None:
    """Save the hop's outcome in one command, sent after the commands already in ``pipe`` (the
    hop's jobs) in the same round trip."""
    keys = (state_key, live_key, card_key, dials_key)
    args = (state, ttl, card or "", card_ttl, repr(now), transcript or "", dials_maxlen)
    if pipe is None:
        SAVE(link, keys, args)
        return
    SAVE.queue(pipe, keys, args)
    SAVE.execute(link, pipe, keys, args)
