"""``make bench``: how many USSD hops per second the gateway answers, and how fast, as it grows.

Steps (each measurement lasts ``BENCH_SECONDS``, default 30):

1. A private redis-server, a database (SQLite, or a private PostgreSQL database when
   ``DATABASE_URL`` is set), a small catalog (100 products) and 100,000 customers.
2. For each server in ``BENCH_SERVERS`` (gunicorn ``sync``, gunicorn ``gthread``, ``granian``):
   the bare ``CON hello`` endpoint flat out, the same plus a hop's two Redis pipelines
   (``bench/floor.py``), then the real journey flat out, each with ``BENCH_CONNECTIONS`` (32)
   concurrent dials through ``scripts/run.sh``.
3. With the fastest server: the journey at fixed offered rates (``BENCH_STEPS`` fractions of its
   maximum) for the latency curve; the 80% step is the small catalog's p99.
4. A second database with the large catalog (100,000 products in 500 shops), 100,000 customers and
   1,000,000 logged hops: the journey flat out and at the same 80% rate (``BENCH_LARGE=0`` skips it).
5. Bodega's order journey and the peers' (``../shared/peers/``, when Node is here) side by side under
   the peers' own wrk script, at least ``BENCH_PEER_SECONDS`` (60) each (``BENCH_PEERS=0`` skips it).

Writes ``bench/results/latest.json`` and ``bench/results/latency.svg``. Loads go to 127.0.0.1 only;
every wrk run is bounded in time. Never part of ``make test``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from bench import cpu, peers, seed
from bench.load import Load, process_cpu, redis_counters, run_wrk, session_memory, web_rss_mb
from bench.machine import describe
from bench.plot import write_latency_svg
from bench.stack import Database, Gateway, RedisServer

RESULTS = Path(__file__).with_name("results")
CUSTOMERS = 100_000
OLD_HOPS = 1_000_000
WARMUP_SECONDS = 3


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


class Bench:
    def __init__(self) -> None:
        self.seconds = env_int("BENCH_SECONDS", 30)
        self.connections = env_int("BENCH_CONNECTIONS", 32)
        self.servers = [s for s in os.environ.get("BENCH_SERVERS", "sync,gthread:4,granian:1,granian:4")
                        .split(",") if s]
        self.threads = env_int("BENCH_THREADS", 4)
        self.workers = env_int("BENCH_WORKERS", os.cpu_count() or 2)
        self.steps = [float(x) for x in os.environ.get("BENCH_STEPS", "0.2,0.4,0.6,0.8,1.0").split(",")]
        self.large = os.environ.get("BENCH_LARGE", "1") != "0"
        self.checkout = os.environ.get("BENCH_CHECKOUT", "1") != "0"
        self.work = Path(tempfile.mkdtemp(prefix="bodega-bench-"))
        self.redis = RedisServer(self.work)
        self.runs: list[dict[str, Any]] = []
        self.machine: dict[str, Any] = {}
        self.cpu: dict[str, float] = {}
        self.side: dict[str, Any] | None = None

    def log(self, message: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)

    def gateway(self, server: str, database_url: str, app: str = "wsgi:app") -> Gateway:
        """``server`` is ``name`` or ``name:threads`` (threads per process; default BENCH_THREADS)."""
        name, _, threads = server.partition(":")
        gw = Gateway(server=name, workers=self.workers, threads=int(threads or self.threads),
                     database_url=database_url, redis_url=self.redis.url, app=app,
                     log_path=self.work / f"{name}.log")
        gw.start()
        return gw

    def measure(self, gw: Gateway, label: str, load: Load, shops: int) -> dict[str, Any]:
        """One wrk run, with Redis's counters and every process's CPU time read around it."""
        assert gw.process is not None and self.redis.process is not None
        pids = {"redis": self.redis.process.pid}
        before, cpu_before = redis_counters(self.redis.client()), process_cpu(gw.process.pid, pids)
        wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = run_wrk(gw.base, gw.hop_path, load, CUSTOMERS, shops)
        wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        after, cpu_after = redis_counters(self.redis.client()), process_cpu(gw.process.pid, pids)
        hops = max(result["requests"], 1)
        spent = {name: (cpu_after[name] - cpu_before[name]) * 1000 / hops for name in cpu_after}
        spent["wrk"] = (wrk_after.ru_utime + wrk_after.ru_stime - wrk_before.ru_utime
                        - wrk_before.ru_stime) * 1000 / hops
        result.update(label=label, server=f"{gw.server}:{gw.threads}", connections=load.connections,
                      offered=load.rate, cpu_ms_per_hop={k: round(v, 3) for k, v in spent.items()},
                      redis_commands_per_hop=(after["commands"] - before["commands"]) / hops,
                      redis_reads_per_hop=(after["reads"] - before["reads"]) / hops)
        self.runs.append(result)
        self.log(f"{label:<34} {result['hops_per_s']:8.0f} hops/s  p50 {result['p50_us'] / 1000:6.1f} "
                 f"p99 {result['p99_us'] / 1000:6.1f} ms  errors {result['errors']}  "
                 f"redis reads/hop {result['redis_reads_per_hop']:.2f}  cpu ms/hop "
                 + " ".join(f"{k} {v:.2f}" for k, v in spent.items()))
        return result

    def flat_out(self, gw: Gateway, label: str, shops: int) -> dict[str, Any]:
        run_wrk(gw.base, gw.hop_path, Load(self.connections, WARMUP_SECONDS, checkout=self.checkout),
                CUSTOMERS, shops)
        return self.measure(gw, label, Load(self.connections, self.seconds, checkout=self.checkout), shops)

    def compare_servers(self, db: Database) -> dict[str, dict[str, Any]]:
        table: dict[str, dict[str, Any]] = {}
        for server in self.servers:
            gw = self.gateway(server, db.url, app="bench.bare:app")
            try:
                bare = self.flat_out(gw, f"{server} bare", seed.SMALL.shops)
            finally:
                gw.stop()
            gw = self.gateway(server, db.url, app="bench.floor:app")
            try:
                floor = self.flat_out(gw, f"{server} floor (bare + 2 Redis trips)", seed.SMALL.shops)
            finally:
                gw.stop()
            gw = self.gateway(server, db.url)
            try:
                journey = self.flat_out(gw, f"{server} journey (small)", seed.SMALL.shops)
                memory = session_memory(self.redis.client())
            finally:
                gw.stop()
            table[server] = {"bare": bare, "floor": floor, "journey": journey, "memory": memory}
        return table

    def curve(self, server: str, db: Database, top: float) -> list[dict[str, Any]]:
        gw = self.gateway(server, db.url)
        points = []
        try:
            run_wrk(gw.base, gw.hop_path, Load(self.connections, WARMUP_SECONDS, checkout=self.checkout),
                    CUSTOMERS, seed.SMALL.shops)
            for fraction in self.steps:
                rate = int(top * fraction)
                load = Load(self.connections, self.seconds, rate=rate, checkout=self.checkout)
                label = f"{server} small @ {fraction:.0%} ({rate}/s)"
                result = self.measure(gw, label, load, seed.SMALL.shops)
                result["fraction"] = fraction
                points.append(result)
        finally:
            gw.stop()
        return points

    def large_catalog(self, server: str, rate: int) -> dict[str, Any]:
        # Redis is the small catalog's until now: its callers' cards hold carts of small-catalog
        # product ids (other products, of shop 1, in the large one) and last orders this database
        # never had, so those phones' summaries would disagree with SQL at Confirm ("Your cart
        # changed") or their keys would land on other screens. A gateway never outlives its
        # database's Redis; nor does the benchmark's.
        self.redis.client().flushall()
        db = Database(self.work / "large", os.environ.get("DATABASE_URL"))
        (self.work / "large").mkdir()
        db.create()
        started = time.monotonic()
        engine = create_engine(db.url)
        seed.seed_catalog(engine, seed.LARGE)
        seed.seed_customers(engine, CUSTOMERS)
        seed.seed_session_log(engine, OLD_HOPS, CUSTOMERS)
        seed.analyze(engine)
        engine.dispose()
        self.log(f"large catalog seeded in {time.monotonic() - started:.0f}s")
        gw = self.gateway(server, db.url)
        try:
            top = self.flat_out(gw, f"{server} journey (large)", seed.LARGE.shops)
            paced = self.measure(gw, f"{server} large @ 80% ({rate}/s)",
                                 Load(self.connections, self.seconds, rate=rate, checkout=self.checkout),
                                 seed.LARGE.shops)
            assert gw.process is not None
            rss = web_rss_mb(gw.process.pid)  # after every shop has been browsed: the snapshots' worst
        finally:
            gw.stop()
            db.drop()
            self.redis.client().flushall()  # back to the small catalog: none of the large one's cards
        return {"max": top, "paced": paced, "rss_mb": rss}

    def side_by_side(self, server: str, db: Database, floor_hops: float) -> dict[str, Any] | None:
        """Bodega's order journey and the peers under the peers' own wrk script (when node is here)."""
        if os.environ.get("BENCH_PEERS", "1") == "0":
            self.log("peers skipped: BENCH_PEERS=0")
            return None
        if not peers.available():
            self.log("peers skipped: node or ../shared/peers/run.sh not found")
            return None
        seconds = max(self.seconds, env_int("BENCH_PEER_SECONDS", 60))
        gw = self.gateway(server, db.url)
        try:
            bodega = peers.measure_bodega(gw.base + gw.hop_path, seconds)
        finally:
            gw.stop()
        others = peers.measure_peers(seconds)
        side = peers.summary(bodega, others, floor_hops)
        self.log(f"side by side: {json.dumps({k: v for k, v in side.items() if k != 'peers'})}")
        return side

    def small_database(self) -> Database:
        db = Database(self.work, os.environ.get("DATABASE_URL"))
        db.create()
        engine = create_engine(db.url)
        seed.seed_catalog(engine, seed.SMALL)
        seed.seed_customers(engine, CUSTOMERS)
        seed.analyze(engine)
        engine.dispose()
        return db

    def run(self) -> dict[str, Any]:
        self.redis.start()
        db = self.small_database()
        try:
            self.log(f"small catalog ready on {db.kind}; {self.seconds}s per measurement, "
                     f"{self.connections} connections, {self.workers} workers")
            self.cpu = cpu.measure(db.url, self.redis.url, journeys=env_int("BENCH_CPU_JOURNEYS", 200),
                                   checkout=self.checkout)
            self.log(f"in process: {self.cpu}")
            servers = self.compare_servers(db)
            # Fastest on the real journey; a server that answered anything wrongly never wins.
            winner = max(servers, key=lambda s: (servers[s]["journey"]["errors"] == 0,
                                                 servers[s]["journey"]["hops_per_s"]))
            self.log(f"fastest on the journey: {winner}")
            top = servers[winner]["journey"]["hops_per_s"]
            points = self.curve(winner, db, top)
            large = self.large_catalog(winner, int(top * 0.8)) if self.large else None
            self.side = self.side_by_side(winner, db, servers[winner]["floor"]["hops_per_s"])
            self.machine = describe(self.redis.client(), db.url)
        finally:
            db.drop()
            self.redis.stop()
        return self.summarise(db, servers, winner, points, large)

    def summarise(self, db: Database, servers: dict[str, dict[str, Any]], winner: str,
                  points: list[dict[str, Any]], large: dict[str, Any] | None) -> dict[str, Any]:
        best = servers[winner]
        at80 = min(points, key=lambda p: abs(p["fraction"] - 0.8))
        ms = lambda us: round(us / 1000, 2)  # noqa: E731
        result: dict[str, Any] = {
            "server": winner,
            "database": db.kind,
            "journey_hops_per_s": round(best["journey"]["hops_per_s"]),
            "bare_hops_per_s": round(best["bare"]["hops_per_s"]),
            "ratio": round(best["journey"]["hops_per_s"] / best["bare"]["hops_per_s"], 3),
            # bench/floor.py: the bare endpoint plus a hop's two Redis pipelines and nothing else.
            "floor_hops_per_s": round(best["floor"]["hops_per_s"]),
            "floor_ratio": round(best["floor"]["hops_per_s"] / best["bare"]["hops_per_s"], 3),
            "p50_ms": ms(best["journey"]["p50_us"]), "p95_ms": ms(best["journey"]["p95_us"]),
            "p99_ms": ms(best["journey"]["p99_us"]),
            "p99_ms_at_80pct": ms(at80["p99_us"]),
            "errors": sum(r["errors"] for r in self.runs if "journey" in r["label"] or "@" in r["label"]),
            "p99_ms_small_catalog": ms(at80["p99_us"]),
            "p99_ms_large_catalog": ms(large["paced"]["p99_us"]) if large else None,
            "journey_hops_per_s_large_catalog": round(large["max"]["hops_per_s"]) if large else None,
            "redis_bytes_per_session": round(best["memory"]["live_avg"]),
            # Counted at the web process's client: each command or pipeline sent is one round trip.
            "redis_round_trips_per_hop": self.cpu["redis_round_trips_per_hop"],
            # Counted at the server under load: every client, the RQ worker and its clock included.
            "redis_reads_per_hop_all_clients": round(best["journey"]["redis_reads_per_hop"], 2),
            "redis_commands_per_hop_all_clients": round(best["journey"]["redis_commands_per_hop"], 2),
            "cpu_ms_per_hop_in_process": self.cpu["cpu_ms_per_hop"],
            "sql_statements_per_hop": self.cpu["sql_per_hop"],
            "sql_per_navigation_hop": self.cpu["sql_per_navigation_hop"],
            # CPU time per hop of the whole server under the flat-out journey (all its processes).
            "web_cpu_ms_per_hop": best["journey"]["cpu_ms_per_hop"]["web"],
            "worker_cpu_ms_per_hop": best["journey"]["cpu_ms_per_hop"]["worker"],
            "rss_mb_per_web_process_large_catalog": large["rss_mb"] if large else None,
            **(self.side or {}),
            "connections": self.connections,
            "seconds_per_measurement": self.seconds,
            "servers": {name: {"bare_hops_per_s": round(s["bare"]["hops_per_s"]),
                               "floor_hops_per_s": round(s["floor"]["hops_per_s"]),
                               "journey_hops_per_s": round(s["journey"]["hops_per_s"]),
                               "journey_p99_ms": ms(s["journey"]["p99_us"]),
                               "ratio": round(s["journey"]["hops_per_s"] / s["bare"]["hops_per_s"], 3),
                               "errors": s["journey"]["errors"]} for name, s in servers.items()},
            "latency_curve": [{"offered": p["offered"], "achieved": round(p["hops_per_s"]),
                               "p50_ms": ms(p["p50_us"]), "p95_ms": ms(p["p95_us"]),
                               "p99_ms": ms(p["p99_us"]), "errors": p["errors"]} for p in points],
            "machine": self.machine,
            "runs": self.runs,
        }
        return result


def main() -> None:
    bench = Bench()
    started = time.time()
    try:
        result = bench.run()
    finally:
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(bench.work, ignore_errors=True)
    result["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started))
    result["took_s"] = round(time.time() - started)
    RESULTS.mkdir(exist_ok=True)
    out = Path(os.environ.get("BENCH_OUT", RESULTS / "latest.json"))
    out.write_text(json.dumps(result, indent=2) + "\n")
    plot = "latency.svg" if out.name == "latest.json" else f"{out.stem}-latency.svg"
    write_latency_svg(result, out.with_name(plot))
    headline = {k: result.get(k) for k in (
        "server", "journey_hops_per_s", "bare_hops_per_s", "floor_hops_per_s", "ratio", "p99_ms",
        "p99_ms_at_80pct", "p99_ms_small_catalog", "p99_ms_large_catalog", "redis_bytes_per_session",
        "redis_round_trips_per_hop", "web_cpu_ms_per_hop", "worker_cpu_ms_per_hop", "sql_per_navigation_hop",
        "rss_mb_per_web_process_large_catalog", "orders_per_s", "peer_node_hops_per_s",
        "peer_anysd_hops_per_s", "errors")}
    print(json.dumps(headline, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
