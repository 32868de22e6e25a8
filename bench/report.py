"""``python -m bench.report``: bench/results/latest.json as the Markdown tables in the README."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

LATEST = Path(__file__).with_name("results") / "latest.json"
NODE_PEER = 7700


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def targets(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    large, small = r.get("p99_ms_large_catalog"), r["p99_ms_small_catalog"]
    return [
        ("journey >= 60% of the bare endpoint", f"{r['ratio']:.0%}", verdict(r["ratio"] >= 0.6)),
        ("journey > 7,700 hops/s (Node peer)", f"{r['journey_hops_per_s']:,} hops/s",
         verdict(r["journey_hops_per_s"] > NODE_PEER)),
        ("<= 2 Redis round trips per hop", f"{r['redis_round_trips_per_hop']}",
         verdict(r["redis_round_trips_per_hop"] <= 2)),
        ("p99 <= 50 ms at 80% of max rate", f"{r['p99_ms_at_80pct']} ms",
         verdict(r["p99_ms_at_80pct"] <= 50)),
        ("large catalog p99 within 1.25x of small", f"{large} ms vs {small} ms",
         verdict(large is not None and large <= 1.25 * small)),
        ("<= 1 KB of Redis per live session", f"{r['redis_bytes_per_session']} B",
         verdict(r["redis_bytes_per_session"] <= 1024)),
        ("zero errors", f"{r['errors']}", verdict(r["errors"] == 0)),
    ]


def markdown(r: dict[str, Any], plot: str = "bench/results/latency.svg") -> str:
    m = r["machine"]
    out = [f"Measured {r['started_at']} on {m['cores']} cores ({m['cpu']}), Python {m['python']}, "
           f"{r['database']} ({m['database']}), Redis {m['redis_server']}, {m['load_generator']}; "
           f"{r['connections']} concurrent dials, {r['seconds_per_measurement']} s per measurement; "
           f"load average at the end {m['load_average_1m_5m_15m']}.", "",
           "| server | bare hops/s | floor hops/s | journey hops/s | journey/bare | journey p99 ms "
           "| errors |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for name, s in r["servers"].items():
        floor = f"{s['floor_hops_per_s']:,}" if "floor_hops_per_s" in s else "-"
        out.append(f"| {name} | {s['bare_hops_per_s']:,} | {floor} | {s['journey_hops_per_s']:,} "
                   f"| {s['ratio']:.0%} | {s['journey_p99_ms']} | {s['errors']} |")
    out += ["", f"Fastest on the journey: **{r['server']}**. Latency against offered load ({plot}):", "",
            "| offered hops/s | achieved | p50 ms | p95 ms | p99 ms | errors |",
            "|---:|---:|---:|---:|---:|---:|"]
    for p in r["latency_curve"]:
        out.append(f"| {p['offered']:,} | {p['achieved']:,} | {p['p50_ms']} | {p['p95_ms']} | {p['p99_ms']} "
                   f"| {p['errors']} |")
    out += ["", "| target | measured | |", "|---|---|---|"]
    out += [f"| {name} | {value} | {ok} |" for name, value, ok in targets(r)]
    out += ["", f"Per hop, in process: {r['cpu_ms_per_hop_in_process']} ms of CPU, "
            f"{r['sql_statements_per_hop']} SQL statements, {r['redis_round_trips_per_hop']} Redis round "
            f"trips; large catalog flat out: {r.get('journey_hops_per_s_large_catalog')} hops/s."]
    return "\n".join(out)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else LATEST
    plot = "latency.svg" if path.name == "latest.json" else f"{path.stem}-latency.svg"
    print(markdown(json.loads(path.read_text()), f"bench/results/{plot}"))


if __name__ == "__main__":
    main()
