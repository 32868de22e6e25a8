"""A dependency-free SVG plot: latency percentiles (ms) against the offered load (hops/s)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 720, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 150, 40, 60
SERIES = (("p50_ms", "#1b9e77", "p50"), ("p95_ms", "#d95f02", "p95"), ("p99_ms", "#7570b3", "p99"))


def _nice_top(value: float) -> float:
    for top in (5, 10, 20, 25, 50, 75, 100, 150, 200, 300, 500, 1000, 2000, 5000, 10000, 20000, 50000):
        if value <= top:
            return float(top)
    return value


def write_latency_svg(result: dict[str, Any], path: Path) -> None:
    """Plot ``result['latency_curve']`` (x = achieved hops/s) with the 50 ms target line."""
    points = result["latency_curve"]
    max_x = _nice_top(max(p["achieved"] for p in points) * 1.05)
    max_y = _nice_top(max(max(p["p99_ms"] for p in points), 50) * 1.1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(v: float) -> float:
        return LEFT + plot_w * v / max_x

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / max_y)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT}" y="22" font-size="14">Journey latency vs load - {result["server"]}, '
           f'{result["database"]}, {result["machine"].get("cores")} cores '
           f'({result["connections"]} dials)</text>']
    for i in range(6):
        gx, gy = max_x * i / 5, max_y * i / 5
        vx, hy = x(gx), y(gy)
        out.append(f'<line x1="{vx:.1f}" y1="{TOP}" x2="{vx:.1f}" y2="{TOP + plot_h}" stroke="#eee"/>')
        out.append(f'<line x1="{LEFT}" y1="{hy:.1f}" x2="{LEFT + plot_w}" y2="{hy:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{vx:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{gx:.0f}</text>')
        out.append(f'<text x="{LEFT - 8}" y="{y(gy) + 4:.1f}" text-anchor="end">{gy:g}</text>')
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" '
               'stroke="#333"/>')
    out.append(f'<line x1="{LEFT}" y1="{y(50):.1f}" x2="{LEFT + plot_w}" y2="{y(50):.1f}" stroke="#c00" '
               f'stroke-dasharray="6,4"/>')
    out.append(f'<text x="{LEFT + plot_w + 8}" y="{y(50) + 4:.1f}" fill="#c00">50 ms target</text>')
    for key, colour, _ in SERIES:
        coords = " ".join(f"{x(p['achieved']):.1f},{y(p[key]):.1f}" for p in points)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for p in points:
            out.append(f'<circle cx="{x(p["achieved"]):.1f}" cy="{y(p[key]):.1f}" r="3" fill="{colour}"/>')
    for i, (_, colour, name) in enumerate(SERIES):
        ly = TOP + 20 + i * 20
        out.append(f'<line x1="{LEFT + plot_w + 10}" y1="{ly}" x2="{LEFT + plot_w + 30}" y2="{ly}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{LEFT + plot_w + 36}" y="{ly + 4}">{name}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 15}" text-anchor="middle">'
               f'achieved hops/s (wrk, fixed offered rates)</text>')
    out.append(f'<text x="18" y="{TOP + plot_h / 2}" transform="rotate(-90 18 {TOP + plot_h / 2})" '
               f'text-anchor="middle">latency (ms)</text>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")
