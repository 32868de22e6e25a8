"""Side by side: the peers (Node ussd-builder, Python anysd) and Bodega under the same wrk script.

``../shared/peers/run.sh`` (the team's shared peers, next to the repository) starts each peer, loads
it with ``journey.lua`` (wrk -t1 -c32, a session's hops 500-1000 ms apart) and prints one JSON line
per measurement. ``run.sh measure`` drives Bodega's own order journey (6 hops, dial -> order, like
the peers') with that same script, so the three numbers come from one load generator. Needs node
(and npm) and wrk; run.sh installs wrk from Debian when it is missing (as root). Skipped when node or the
peers' directory is absent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

RUN_SH = Path(__file__).resolve().parents[1].parent / "shared" / "peers" / "run.sh"
# Shop 1's own code (*384*123*1#) -> category 1 -> product 1 -> 1 unit -> Checkout -> Confirm: six
# hops, dial to order, like the peers' journey. The script sends fixed texts and cannot read the
# screens, so the journey avoids every screen that depends on the caller's past: dialled through
# the shop's code, the home screen's "1. Order again" (a returning caller) cannot shift the keys,
# and the callers (+2547101xxxxx) are outside bench/seed.py's customers that bench/journey.lua
# orders with, so no cart is left from another shop. The summary's "1. Confirm" is always 1.
BODEGA_JOURNEY = ",1,1*1,1*1*1,1*1*1*1,1*1*1*1*1"
BODEGA_CODE = "%2A384%2A123%2A1%23"
PHONE_PREFIX, PHONE_DIGITS = "%2B2547101", "5"


def available() -> bool:
    return RUN_SH.exists() and shutil.which("node") is not None and shutil.which("bash") is not None


def _run(args: list[str], seconds: int, env: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Run ``run.sh`` with ``args``; the JSON lines it printed."""
    done = subprocess.run(["bash", str(RUN_SH), *args], capture_output=True, text=True, check=False,
                          env={**os.environ, "DURATION": f"{seconds}s", **(env or {})},
                          timeout=seconds * 6 + 600)
    rows = []
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            rows.append(json.loads(line))
    if not rows:
        raise RuntimeError(f"run.sh {args[0]} gave no result:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return rows


def measure_peers(seconds: int) -> dict[str, dict[str, Any]]:
    """Each peer's journey and bare ceiling, by name (node-peer, node-bare, anysd-peer, anysd-bare)."""
    return {row["name"]: row for row in _run(["peers"], seconds)}


def measure_bodega(url: str, seconds: int) -> dict[str, Any]:
    """Bodega's order journey at ``url`` under the peers' wrk script (shop 1's own code)."""
    env = {"JOURNEY": BODEGA_JOURNEY, "SERVICE_CODE": BODEGA_CODE, "PHONE_PREFIX": PHONE_PREFIX,
           "PHONE_DIGITS": PHONE_DIGITS}
    return _run(["measure", "bodega", url], seconds, env)[0]


def summary(bodega: dict[str, Any], peers: dict[str, dict[str, Any]], floor_hops: float) -> dict[str, Any]:
    """The side-by-side fields of ``latest.json``."""
    node, anysd = peers.get("node-peer", {}), peers.get("anysd-peer", {})
    hops = bodega["hops_per_s"]

    def ratio(other: dict[str, Any], key: str) -> float | None:
        return round(bodega[key] / other[key], 2) if other.get(key) and bodega.get(key) else None

    return {
        "side_by_side_hops_per_s": hops, "orders_per_s": bodega.get("journeys_per_s"),
        "side_by_side_p99_ms": bodega.get("p99_ms"), "side_by_side_errors": bodega.get("errors"),
        "peer_node_hops_per_s": node.get("hops_per_s"),
        "peer_node_journeys_per_s": node.get("journeys_per_s"),
        "peer_anysd_hops_per_s": anysd.get("hops_per_s"),
        "peer_anysd_journeys_per_s": anysd.get("journeys_per_s"),
        "ratio_to_anysd_hops": ratio(anysd, "hops_per_s"),
        "ratio_to_anysd_orders": round(bodega["journeys_per_s"] / anysd["journeys_per_s"], 2)
        if anysd.get("journeys_per_s") and bodega.get("journeys_per_s") else None,
        "ratio_to_node_hops": ratio(node, "hops_per_s"),
        "ratio_to_own_floor": round(hops / floor_hops, 2) if floor_hops else None,
        "peers": peers,
    }
