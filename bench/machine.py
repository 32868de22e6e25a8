"""What the numbers were measured on: cores, load, Python and the versions that matter."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from typing import Any

import redis
from sqlalchemy import create_engine, text

PACKAGES = ("flask", "werkzeug", "sqlalchemy", "redis", "rq", "gunicorn", "granian", "psycopg")


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _wrk_version() -> str:
    done = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else "unknown"


def _database_version(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return str(conn.execute(text("SHOW server_version")).scalar())
            return "sqlite " + str(conn.execute(text("select sqlite_version()")).scalar())
    finally:
        engine.dispose()


def describe(client: redis.Redis, database_url: str) -> dict[str, Any]:
    info: dict[str, Any] = client.info("server")  # type: ignore[assignment]
    return {
        "cores": os.cpu_count(),
        "load_average_1m_5m_15m": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "cpu": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "redis_server": info.get("redis_version"),
        "database": _database_version(database_url),
        "load_generator": _wrk_version(),
    }
