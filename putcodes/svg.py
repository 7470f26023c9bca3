"""A server-rendered SVG bar chart of recent sync runs by outcome (no JavaScript, no CDN).

`runs_chart` computes the geometry; templates/admin/putcodes/sync_overview.html draws it.
"""

from __future__ import annotations

from typing import Sequence

from .models import SyncRun

# Outcomes drawn, bottom to top, with colours that stay apart for colour-blind readers
# (Okabe-Ito). "unchanged" is not drawn: it dwarfs the rest on every run after the first.
SERIES = (
    ("created", "Created", "#009E73"),
    ("updated", "Updated", "#0072B2"),
    ("deleted", "Deleted", "#E69F00"),
    ("skipped", "Skipped", "#999999"),
    ("failed", "Failed", "#D55E00"),
)

WIDTH = 720
HEIGHT = 260
MARGIN_LEFT = 48
MARGIN_BOTTOM = 36
MARGIN_TOP = 12


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** (len(str(value)) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return value


def runs_chart(runs: Sequence[SyncRun]) -> dict:
    """Bars (one per run, oldest left), stacked by outcome, with axis ticks and a legend."""
    plot_w = WIDTH - MARGIN_LEFT - 8
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    totals = [sum(getattr(run, name) for name, _, _ in SERIES) for run in runs]
    top = _nice_max(max(totals, default=0))
    slot = plot_w / max(len(runs), 1)
    bar_w = max(4.0, min(40.0, slot * 0.7))
    bars = []
    for index, run in enumerate(runs):
        x = MARGIN_LEFT + index * slot + (slot - bar_w) / 2
        y = MARGIN_TOP + plot_h
        segments = []
        for name, label, colour in SERIES:
            value = getattr(run, name)
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            segments.append({"y": round(y, 1), "h": round(h, 1), "colour": colour, "title": f"{label}: {value}"})
        bars.append({
            "x": round(x, 1),
            "w": round(bar_w, 1),
            "segments": segments,
            "label": f"#{run.pk}",
            "label_x": round(x + bar_w / 2, 1),
            "title": f"Run {run.pk} ({run.get_trigger_display()}, {run.started_at:%Y-%m-%d %H:%M}): {run.summary_line()}",
        })
    ticks = []
    # Fifths: every top _nice_max gives (5, 10, 20, 50, ...) divides into whole numbers
    # (quarters of 10 read "2" and "7").
    for fraction in (0, 0.2, 0.4, 0.6, 0.8, 1):
        value = round(top * fraction)
        ticks.append({"y": round(MARGIN_TOP + plot_h - plot_h * fraction, 1), "label": f"{value:,}"})
    legend = [
        {"label": label, "colour": colour, "x": MARGIN_LEFT + i * 110} for i, (_, label, colour) in enumerate(SERIES)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT + 24,
        "plot_left": MARGIN_LEFT,
        "plot_right": WIDTH - 8,
        "plot_bottom": MARGIN_TOP + plot_h,
        "label_y": MARGIN_TOP + plot_h + 14,
        "legend_y": HEIGHT + 10,
        "bars": bars,
        "ticks": ticks,
        "legend": legend,
        "empty": not runs,
    }
