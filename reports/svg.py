"""Server-rendered SVG charts of adoption (no JavaScript, no CDN), as putcodes/svg.py draws runs.

- `adoption_trend_svg(snapshots)`: researchers and connected, one point per weekly snapshot.
- `department_bars_svg(rows)`: the share connected in each department now.
"""

from __future__ import annotations

from typing import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Okabe-Ito colours, apart for colour-blind readers.
SERIES = (("researchers", "Researchers", "#0072B2"), ("connected", "Connected", "#009E73"))
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 260, 56, 36, 12


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    return next((step * magnitude for step in (1, 2, 5, 10) if value <= step * magnitude), value)


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto;font:11px sans-serif">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def adoption_trend_svg(snapshots: Sequence) -> SafeString:
    """Lines of researchers and connected over the snapshots (oldest left)."""
    plot_w, plot_h = WIDTH - LEFT - 16, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((s.researchers for s in snapshots), default=0))
    step = plot_w / max(len(snapshots) - 1, 1)
    body = []
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        y = round(TOP + plot_h - plot_h * fraction, 1)
        body.append(f'<line x1="{LEFT}" x2="{WIDTH - 16}" y1="{y}" y2="{y}" stroke="#ddd"/>'
                    f'<text x="{LEFT - 6}" y="{y}" text-anchor="end" dominant-baseline="middle" fill="#555">'
                    f"{int(top * fraction):,}</text>")
    for name, label, colour in SERIES:
        points = [(round(LEFT + i * step, 1), round(TOP + plot_h - plot_h * getattr(s, name) / top, 1))
                  for i, s in enumerate(snapshots)]
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                    f'points="{" ".join(f"{x},{y}" for x, y in points)}"/>')
        for (x, y), s in zip(points, snapshots):
            body.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{colour}"><title>{escape(label)} on '
                        f"{s.taken_on:%Y-%m-%d}: {getattr(s, name):,}</title></circle>")
    for i, s in enumerate(snapshots):
        if len(snapshots) <= 12 or i % max(1, len(snapshots) // 12) == 0:
            body.append(f'<text x="{round(LEFT + i * step, 1)}" y="{TOP + plot_h + 14}" text-anchor="middle" '
                        f'fill="#555">{s.taken_on:%Y-%m-%d}</text>')
    for i, (_, label, colour) in enumerate(SERIES):
        x = LEFT + i * 120
        body.append(f'<rect x="{x}" y="{HEIGHT + 4}" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{x + 14}" y="{HEIGHT + 13}" fill="#333">{escape(label)}</text>')
    return _svg(WIDTH, HEIGHT + 20, "Researchers and connected researchers, week by week", body)


def department_bars_svg(rows: Sequence[dict]) -> SafeString:
    """One horizontal bar per department: the share of its researchers connected."""
    label_w, bar_h, gap = 220, 14, 6
    height = TOP + len(rows) * (bar_h + gap) + 8
    plot_w = WIDTH - label_w - 60
    body = []
    for i, row in enumerate(rows):
        y = TOP + i * (bar_h + gap)
        w = round(plot_w * row["connected_percent"] / 100, 1)
        name = escape(row["department"][:40])
        body.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 3}" text-anchor="end" fill="#333">{name}</text>'
            f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="#eee"/>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="#009E73"><title>{name}: '
            f'{row["connected"]:,} of {row["researchers"]:,} connected</title></rect>'
            f'<text x="{label_w + plot_w + 6}" y="{y + bar_h - 3}" fill="#333">{row["connected_percent"]}%</text>'
        )
    return _svg(WIDTH, height, "Share of researchers connected, per department", body)
