"""The process's wiring: settings, database, Redis and the job queue, built once from settings.

``gateway/app.py`` builds one for the web process; the RQ worker builds one at start-up and
``bind``s it so that jobs (which take only ids) can reach the database and providers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import redis
from rq import Queue
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config.settings import INSTANCE, Settings
from gateway.commerce.catalog_changes import install_publisher
from gateway.commerce.catalog_snapshot import CatalogCache
from gateway.core import catalog_versions, redis_store
from gateway.core.db import make_engine, make_sessionmaker
from gateway.core.i18n import Translator, load_translator

QUEUE_NAME = "bodega"


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    redis: redis.Redis
    queue: Queue
    translator: Translator
    catalog: CatalogCache = field(default_factory=CatalogCache)  # this process's catalog snapshots
    extras: dict[str, Any] = field(default_factory=dict)  # providers, built lazily by their modules


def redis_url_for(settings: Settings) -> str:
    """``REDIS_URL`` when set, else the embedded server under ``instance/`` (started if needed)."""
    if settings.REDIS_URL:
        return settings.REDIS_URL
    return redis_store.start_embedded(INSTANCE / "redis")


def build_runtime(settings: Settings) -> Runtime:
    """The wiring for ``settings``; its ``settings.REDIS_URL`` names the server actually used."""
    engine = make_engine(settings.DATABASE_URL)
    url = redis_url_for(settings)
    settings = dataclasses.replace(settings, REDIS_URL=url)
    client = redis_store.connect(url)
    info: dict[str, Any] = {}
    install_publisher(info, catalog_versions.publisher(client))
    # RQ needs a client without the hop's tight read timeout: it blocks on BLPOP while idle.
    queue = Queue(QUEUE_NAME, connection=redis_store.connect(url, timeout=10))
    translator = load_translator()
    cache = CatalogCache(max_shops=settings.CATALOG_CACHE_SHOPS, max_products=settings.CATALOG_CACHE_PRODUCTS,
                         max_age=settings.CATALOG_MAX_AGE_SECONDS)
    return Runtime(settings, engine, make_sessionmaker(engine, info), client, queue, translator, cache)


_current: Runtime | None = None


def bind(runtime: Runtime) -> None:
    """Make ``runtime`` the one jobs in this process use."""
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("no Runtime bound: start jobs through gateway.jobs.worker or create_app()")
    return _current
