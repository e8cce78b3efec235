"""Mastery over time as an inline SVG drawn on the server: no script, no CDN, readable without colour
(each line ends in its skill's name, and a table beside the chart gives the same numbers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 720
HEIGHT = 260
LEFT, RIGHT, TOP, BOTTOM = 44, 210, 16, 30
PALETTE = ("#1f6feb", "#d1242f", "#1a7f37", "#8250df", "#bf8700", "#0a7b83", "#cf222e", "#57606a")
MAX_SERIES = len(PALETTE)


def mastery_chart_svg(
    series: Mapping[str, Sequence[tuple[datetime, float]]], names: Mapping[str, str], *, title: str
) -> SafeString:
    """An SVG line chart of P(mastered) (0–100 %) against time, one line per skill (at most 8)."""
    chosen = [(skill, points) for skill, points in series.items() if points][:MAX_SERIES]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="mastery-chart" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    for percent in (0, 50, 95, 100):
        y = TOP + plot_h * (1 - percent / 100)
        dash = ' stroke-dasharray="4 3"' if percent == 95 else ""
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d7de"{dash}/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{percent}%</text>'
        )
    if not chosen:
        parts.append(
            f'<text x="{LEFT + 10}" y="{TOP + plot_h / 2:.1f}" font-size="13">No answers yet.</text></svg>'
        )
        return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
    times = [moment for _, points in chosen for moment, _ in points]
    start, end = min(times), max(times)
    span = max((end - start).total_seconds(), 1.0)

    def x_of(moment: datetime) -> float:
        return LEFT + plot_w * ((moment - start).total_seconds() / span)

    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 8}" font-size="11">{start:%d %b %H:%M}</text>')
    parts.append(
        f'<text x="{LEFT + plot_w}" y="{HEIGHT - 8}" font-size="11" text-anchor="end">'
        f"{end:%d %b %H:%M}</text>"
    )
    for index, (skill, points) in enumerate(chosen):
        colour = PALETTE[index]
        coords = " ".join(f"{x_of(m):.1f},{TOP + plot_h * (1 - p):.1f}" for m, p in points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        last_m, last_p = points[-1]
        y = TOP + plot_h * (1 - last_p)
        parts.append(f'<circle cx="{x_of(last_m):.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        label = escape(names.get(skill, skill)[:24])
        parts.append(
            f'<text x="{LEFT + plot_w + 8}" y="{TOP + 14 + index * 16}" font-size="11" fill="{colour}">'
            f"■ {label} {round(last_p * 100)}%</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
