"""Per-shop catalog versions in Redis: bumped after a catalog write commits, read by every hop.

``catalog:v1:versions`` is a hash of counters: one field per shop, ``shops`` for the list of
shops, ``*`` for a change to everything, and ``gen``, a random token set by the first bump after
the hash was created (so counters that start again from zero after Redis lost its data never
match a snapshot taken before). ``catalog:v1:epoch`` is a fresh random token at every bump, so a
hop reads one small value in the pipeline it sends anyway and learns whether anything moved; only
when it did (the first hop in this process after a catalog write) does it read the whole hash.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import redis

from gateway.commerce.catalog_changes import CatalogChanges
from gateway.commerce.catalog_snapshot import DIRECTORY, EVERYTHING, GENERATION, CatalogCache

log = logging.getLogger(__name__)

VERSIONS = "catalog:v1:versions"
EPOCH = "catalog:v1:epoch"


def publisher(client: redis.Redis) -> Any:
    """The function sessions call after a commit that changed the catalog (see
    ``catalog_changes.install_publisher``). A Redis failure is logged, not raised: the commit
    stands, and snapshots expire on their own after ``CATALOG_MAX_AGE_SECONDS``."""

    def publish(changes: CatalogChanges) -> None:
        try:
            bump(client, changes)
        except redis.RedisError:
            log.exception("could not bump catalog versions; snapshots catch up when they expire")

    return publish


def bump(client: redis.Redis, changes: CatalogChanges) -> None:
    """Move the versions ``changes`` names, and the epoch, in one round trip."""
    pipe = client.pipeline(transaction=True)
    pipe.hsetnx(VERSIONS, GENERATION, secrets.token_hex(8))
    if changes.everything:
        pipe.hincrby(VERSIONS, EVERYTHING, 1)
    for shop_id in sorted(changes.shops):
        pipe.hincrby(VERSIONS, str(shop_id), 1)
    if changes.directory or changes.everything:
        pipe.hincrby(VERSIONS, DIRECTORY, 1)
    pipe.set(EPOCH, secrets.token_hex(8))
    pipe.execute()


def epoch_of(raw: bytes | None) -> str:
    """The epoch as read in a hop's pipeline (``pipe.get(EPOCH)``); "" before any bump."""
    return raw.decode() if raw else ""


def bring_up_to_date(client: redis.Redis, cache: CatalogCache, epoch: str) -> None:
    """Make ``cache`` drop what changed since it last looked, if the ``epoch`` moved."""
    if cache.is_current(epoch):
        return
    raw: dict[bytes, bytes] = client.hgetall(VERSIONS)  # type: ignore[assignment]
    cache.refresh(epoch, {k.decode(): v.decode() for k, v in raw.items()})
