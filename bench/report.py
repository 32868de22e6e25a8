"""``python -m bench.report``: bench/results/latest.json as the Markdown tables in the README."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

LATEST = Path(__file__).with_name("results") / "latest.json"


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _ratio(r: dict[str, Any], key: str) -> float | None:
    value = r.get(key)
    return float(value) if value is not None else None


def _at_least(value: float | None, goal: float, unit: str = "x") -> tuple[str, str]:
    if value is None:
        return "not measured (no peers)", "-"
    return f"{value:.2f}{unit}", verdict(value >= goal)


def targets(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The performance issue's targets, each with what this run measured."""
    large, small = r.get("p99_ms_large_catalog"), r["p99_ms_small_catalog"]
    rss = r.get("rss_mb_per_web_process_large_catalog")
    rows = [
        ("order journey >= 2x the anysd peer's hops/s", *_at_least(_ratio(r, "ratio_to_anysd_hops"), 2)),
        ("orders/s >= 1.2x the anysd peer's", *_at_least(_ratio(r, "ratio_to_anysd_orders"), 1.2)),
        (">= 0.7x Bodega's own floor (side by side)", *_at_least(_ratio(r, "ratio_to_own_floor"), 0.7)),
        ("ratio to the Node peer's hops/s (goal >= 0.3x)", *_at_least(_ratio(r, "ratio_to_node_hops"), 0.3)),
        ("p99 <= 50 ms at 80% of max rate", f"{r['p99_ms_at_80pct']} ms",
         verdict(r["p99_ms_at_80pct"] <= 50)),
        ("zero errors", f"{r['errors']}", verdict(r["errors"] == 0)),
        ("web CPU <= 1.0 ms per hop", f"{r['web_cpu_ms_per_hop']} ms",
         verdict(r["web_cpu_ms_per_hop"] <= 1.0)),
        ("worker CPU <= 0.2 ms per hop", f"{r['worker_cpu_ms_per_hop']} ms",
         verdict(r["worker_cpu_ms_per_hop"] <= 0.2)),
        ("0 SQL statements on a navigating hop", f"{r['sql_per_navigation_hop']}",
         verdict(r["sql_per_navigation_hop"] == 0)),
        ("<= 2 Redis round trips per hop", f"{r['redis_round_trips_per_hop']}",
         verdict(r["redis_round_trips_per_hop"] <= 2)),
        ("<= 2 KB of Redis per live dial", f"{r['redis_bytes_per_session']} B",
         verdict(r["redis_bytes_per_session"] <= 2048)),
    ]
    if large is not None:
        rows.append(("large catalog p99 within 1.25x of small", f"{large} ms vs {small} ms",
                     verdict(large <= 1.25 * small)))
    if rss is not None:
        rows.append(("RSS per web process, large catalog <= 150 MB", f"{rss} MB", verdict(rss <= 150)))
    return rows


def side_by_side(r: dict[str, Any]) -> list[str]:
    """The peers' table, when the run measured them."""
    if r.get("peer_anysd_hops_per_s") is None:
        return []
    return ["", "Side by side, the peers' own wrk script and journeys (six hops from dial to order):", "",
            "| system | hops/s | orders (journeys)/s |", "|---|---:|---:|",
            f"| Bodega | {r['side_by_side_hops_per_s']:,} | {r['orders_per_s']:,} |",
            f"| anysd (Python) | {r['peer_anysd_hops_per_s']:,} | {r['peer_anysd_journeys_per_s']:,} |",
            f"| ussd-builder (Node) | {r['peer_node_hops_per_s']:,} | {r['peer_node_journeys_per_s']:,} |"]


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
    out += side_by_side(r)
    out += ["", "| target | measured | |", "|---|---|---|"]
    out += [f"| {name} | {value} | {ok} |" for name, value, ok in targets(r)]
    out += ["", f"Per hop, in process: {r['cpu_ms_per_hop_in_process']} ms of CPU, "
            f"{r['sql_statements_per_hop']} SQL statements, {r['redis_round_trips_per_hop']} Redis round "
            f"trips; server side under the flat-out journey: web {r['web_cpu_ms_per_hop']} ms, worker "
            f"{r['worker_cpu_ms_per_hop']} ms of CPU per hop; large catalog flat out: "
            f"{r.get('journey_hops_per_s_large_catalog')} hops/s."]
    return "\n".join(out)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else LATEST
    plot = "latency.svg" if path.name == "latest.json" else f"{path.stem}-latency.svg"
    print(markdown(json.loads(path.read_text()), f"bench/results/{plot}"))


if __name__ == "__main__":
    main()
