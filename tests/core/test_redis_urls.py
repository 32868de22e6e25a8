"""REDIS_URL forms the gateway accepts, against real servers: a Sentinel URL reaches the master
that a real redis-server in Sentinel mode names, and a malformed one fails at start-up, loudly."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from gateway.core.redis_store import connect, redis_server_binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: object, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except redis.RedisError:
            pass
        time.sleep(0.05)
    raise AssertionError("server did not come up")


@pytest.fixture
def sentinel_url(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A master on a TCP port and one Sentinel watching it as ``bodega``; yields (URL, master port)."""
    master_port, sentinel_port = free_port(), free_port()
    common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    master = subprocess.Popen([redis_server_binary(), "--port", str(master_port), *common],
                              stdout=subprocess.DEVNULL)
    conf = tmp_path / "sentinel.conf"
    conf.write_text(f"port {sentinel_port}\nbind 127.0.0.1\n"
                    f"sentinel monitor bodega 127.0.0.1 {master_port} 1\n")
    sentinel = subprocess.Popen([redis_server_binary(), str(conf), "--sentinel"], stdout=subprocess.DEVNULL)
    try:
        wait_for(lambda: redis.Redis(port=master_port).ping())
        probe = redis.Redis(port=sentinel_port)
        wait_for(lambda: probe.execute_command("SENTINEL", "get-master-addr-by-name", "bodega"))
        yield f"redis+sentinel://127.0.0.1:{sentinel_port}/bodega/3", master_port
    finally:
        for process in (sentinel, master):
            process.terminate()
            process.wait(timeout=10)


def test_sentinel_url_reaches_the_named_master(sentinel_url: tuple[str, int]) -> None:
    url, master_port = sentinel_url
    client = connect(url)
    client.set("bodega:probe", "through-sentinel")
    direct = redis.Redis(port=master_port, db=3)
    assert direct.get("bodega:probe") == b"through-sentinel"
    assert client.connection_pool.connection_kwargs["db"] == 3


def test_sentinel_url_without_service_is_refused() -> None:
    with pytest.raises(ValueError, match="service"):
        connect("redis+sentinel://127.0.0.1:26379")


def test_plain_and_unix_urls_still_work(redis_url: str) -> None:
    assert connect(redis_url).ping()
