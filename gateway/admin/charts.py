"""Charts as server-side SVG: no script, no CDN, readable at a glance and under a strict CSP.

Only presentation attributes and CSS classes are used (no ``style=``), so the page's
``style-src 'self'`` policy holds. Every label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 150


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    head = (f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>')
    return Markup(head + "".join(body) + "</svg>")


def hbars(items: Sequence[tuple[str, int]], title: str, width: int = 560,
          show_share: bool = False) -> Markup:
    """Horizontal bars, one per (label, value); ``show_share`` adds each bar's % of the first."""
    if not items:
        return Markup('<p class="muted">No data yet.</p>')
    top = max(value for _, value in items) or 1
    first = items[0][1] or 1
    bar_space = width - LABEL_WIDTH - 90
    body = []
    for row, (label, value) in enumerate(items):
        y = row * (BAR_HEIGHT + GAP)
        length = max(2, round(bar_space * value / top)) if value else 0
        text = f"{value:,}" + (f"  ({100 * value / first:.0f}%)" if show_share and row else "")
        body.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end" class="label">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" rx="3" class="bar"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 15}" class="value">{escape(text)}</text>')
    return _svg(width, len(items) * (BAR_HEIGHT + GAP), body, title)


def columns(labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], title: str,
            width: int = 560, height: int = 190) -> Markup:
    """Grouped vertical columns: one group per label, one column per series (at most 3)."""
    if not labels:
        return Markup('<p class="muted">No data yet.</p>')
    top = max([v for _, values in series for v in values] + [1])
    plot_h, base = height - 50, height - 30
    group = (width - 20) / len(labels)
    col = min(26.0, (group - 10) / max(1, len(series)))
    body = [f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" class="axis"/>']
    for i, label in enumerate(labels):
        x0 = 10 + i * group + (group - col * len(series)) / 2
        for s, (_, values) in enumerate(series):
            value = values[i]
            h = round(plot_h * value / top)
            x = x0 + s * col
            body.append(f'<rect x="{x:.1f}" y="{base - h}" width="{col - 3:.1f}" height="{h}" '
                        f'class="bar s{s}"><title>{escape(label)}: {value}</title></rect>'
                        f'<text x="{x + (col - 3) / 2:.1f}" y="{base - h - 4}" text-anchor="middle" '
                        f'class="value small">{value}</text>')
        body.append(f'<text x="{10 + i * group + group / 2:.1f}" y="{base + 18}" text-anchor="middle" '
                     f'class="label">{escape(label)}</text>')
    legend = "".join(f'<rect x="{12 + s * 110}" y="2" width="12" height="12" class="bar s{s}"/>'
                     f'<text x="{28 + s * 110}" y="12" class="label">{escape(name)}</text>'
                     for s, (name, _) in enumerate(series))
    return _svg(width, height, [legend, *body], title)
