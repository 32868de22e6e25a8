"""Driving load with wrk and the journey script; reading Redis's own counters around a run."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

JOURNEY_LUA = Path(__file__).with_name("journey.lua")


@dataclass(frozen=True)
class Load:
    """One wrk run: ``connections`` concurrent dials for ``seconds``, flat out or at ``rate`` hops/s."""

    connections: int
    seconds: int
    rate: int = 0
    checkout: bool = False


def ensure_wrk() -> str:
    """The wrk binary; installs Debian's package when it is missing (as root, like CI does)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    return found


_next_phone = [0]  # where the next run's callers start in the pool (see run_wrk)


def run_wrk(base: str, path: str, load: Load, phones: int, shops: int) -> dict[str, Any]:
    """Run wrk against ``base`` and return the journey script's summary (latencies in µs).

    Each run's callers follow the previous run's in the phone pool: a run stopped by the clock
    leaves journeys half done (a cart holding items), and a later run dialling from those phones
    would find that cart and be shown other screens than its script expects."""
    env = {**os.environ, "BENCH_PATH": path, "BENCH_PHONES": str(phones), "BENCH_SHOPS": str(shops),
           "BENCH_PHONE_BASE": str(_next_phone[0]),
           "BENCH_RATE": str(load.rate), "BENCH_CONNS": str(load.connections),
           "BENCH_CHECKOUT": "1" if load.checkout else "0", "BENCH_RUN": secrets.token_hex(4)}
    cmd = [ensure_wrk(), "-t", str(load.connections), "-c", str(load.connections),
           "-d", f"{load.seconds}s", "--timeout", "15s", "-s", str(JOURNEY_LUA), base]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=load.seconds + 60,
                          check=False)
    samples = [line.removeprefix("BENCH_SAMPLE ") for line in done.stdout.splitlines()
               if line.startswith("BENCH_SAMPLE ")]
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
            seconds = result["duration_us"] / 1e6
            result["hops_per_s"] = result["requests"] / seconds if seconds else 0.0
            # past every phone this run may have used (its threads end a few journeys apart)
            used = int(result["journeys"] * 1.2) + 4 * load.connections
            _next_phone[0] = (_next_phone[0] + used) % phones
            result["errors"] = (result["bad_status"] + result["bad_body"] + result["early_end"]
                                + result["wrong_screen"] + result["connect_errors"] + result["read_errors"]
                                + result["write_errors"] + result["timeouts"])
            result["error_samples"] = samples[:5]
            return result
    raise RuntimeError(f"wrk gave no summary:\n{done.stdout}\n{done.stderr}")


def redis_counters(client: redis.Redis) -> dict[str, int]:
    """Server-side totals: commands processed and reads (one read is one client round trip)."""
    stats: dict[str, Any] = client.info("stats")  # type: ignore[assignment]
    return {"commands": int(stats["total_commands_processed"]),
            "reads": int(stats.get("total_reads_processed", 0))}


def session_memory(client: redis.Redis, sample: int = 500) -> dict[str, float]:
    """Average ``MEMORY USAGE`` of live (not ended) dial states, and of all dial states."""
    live: list[int] = []
    every: list[int] = []
    for key in client.scan_iter(match="ussd:v1:at:*", count=1000):
        size = client.memory_usage(key, samples=0) or 0
        every.append(int(size))
        raw = client.get(key) or b""
        if b'"ended":true' not in raw:
            live.append(int(size))
        if len(every) >= sample:
            break
    return {"live_avg": sum(live) / len(live) if live else 0.0, "live_max": float(max(live, default=0)),
            "all_avg": sum(every) / len(every) if every else 0.0, "sampled": float(len(every))}


def process_cpu(session_id: int, extra: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by the processes of session ``session_id`` (the gateway that
    ``scripts/run.sh`` started: ``web`` and the RQ ``worker``, with the job processes it forked and
    reaped), plus each pid in ``extra`` by name (e.g. the redis-server)."""
    tick = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = {"web": 0.0, "worker": 0.0, **{name: 0.0 for name in extra}}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        used = sum(int(x) for x in fields[11:15]) / tick  # utime stime cutime cstime
        pid, session = int(entry.name), int(fields[3])
        named = [name for name, p in extra.items() if p == pid]
        if named:
            totals[named[0]] += used
        elif session == session_id:
            totals["worker" if b"gateway.jobs.worker" in cmdline else "web"] += used
    return totals


def web_rss_mb(session_id: int) -> float:
    """The largest resident memory (MB) among the web processes of session ``session_id``."""
    largest = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if int(fields[3]) != session_id or b"gateway.jobs.worker" in cmdline:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                largest = max(largest, int(line.split()[1]))
    return round(largest / 1024, 1)
