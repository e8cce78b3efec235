"""The admin's page about a course's learner model: the model in use, how it was validated, its history.

The calibration plot compares the model in use with the model it replaced on the same held-out answers
(both scored when it was fitted), drawn as an inline SVG on the server with a table of the same numbers
beside it (no script, readable without colour: the two series differ in shape too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from learnpath.engine.served_model import PRIOR_VERSION
from learnpath.web.learning.course_model import served_version
from learnpath.web.learning.models import FittedModel

SIZE = 320
PAD = 56
STARTING_MODEL = "starting model"


def shown_name(version: str) -> str:
    """A version's name as the page shows it (the prior is "starting model")."""
    return STARTING_MODEL if version == PRIOR_VERSION else version


@dataclass(frozen=True)
class VersionRow:
    number: int
    name: str
    fitted_at: datetime
    answers: int
    trained_on: int
    seconds: float
    auc: float | None
    log_loss: float | None
    ece: float | None
    in_use_name: str
    in_use_auc: float | None
    in_use_log_loss: float | None
    served: bool
    reason: str


def _row(fit: FittedModel) -> VersionRow:
    new, old = fit.held_out or {}, fit.in_use_score or {}
    return VersionRow(
        fit.number,
        fit.name,
        fit.fitted_at,
        fit.answers,
        fit.trained_on,
        fit.seconds,
        new.get("auc"),
        new.get("log_loss"),
        new.get("ece"),
        shown_name(fit.in_use_name),
        old.get("auc"),
        old.get("log_loss"),
        fit.served,
        fit.reason,
    )


def model_page_context(*, course_id: str, min_answers: int) -> dict[str, Any]:
    """Everything the page shows, as plain values: the model in use, the latest refit with its calibration
    against the model in use then (served or not), and the versions."""
    fits = list(FittedModel.objects.filter(course_id=course_id).order_by("-number")[:20])
    in_use = served_version(course_id)
    current = next((f for f in fits if f.name == in_use), None)
    if current is None and in_use != PRIOR_VERSION:
        current = FittedModel.objects.filter(course_id=course_id, name=in_use).first()
    latest = fits[0] if fits else None
    chart = None
    if latest is not None and latest.held_out and latest.in_use_score:
        chart = calibration_svg(
            [
                (latest.name, latest.held_out["calibration"]),
                (shown_name(latest.in_use_name), latest.in_use_score["calibration"]),
            ],
            title=f"Calibration of {latest.name} and {shown_name(latest.in_use_name)} on "
            f"{latest.held_out['answers']} held-out answers",
        )
    return {
        "in_use": in_use,
        "prior": in_use == PRIOR_VERSION,
        "current": _row(current) if current is not None else None,
        "latest": _row(latest) if latest is not None else None,
        "latest_bins": _bins(latest) if latest is not None else [],
        "versions": [_row(f) for f in fits],
        "chart": chart,
        "min_answers": min_answers,
    }


def _bins(fit: FittedModel) -> list[tuple[str, list[list[float]]]]:
    out = []
    for name, score in ((fit.name, fit.held_out), (shown_name(fit.in_use_name), fit.in_use_score)):
        if score:
            out.append((name, score["calibration"]))
    return out


def calibration_svg(series: list[tuple[str, list[list[float]]]], *, title: str) -> SafeString:
    """A reliability diagram: per bin the mean predicted P(correct) against the share right (0–100 %)."""
    span = SIZE - 2 * PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE + 150} {SIZE}" role="img" '
        f'class="calibration-chart" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{PAD}" y1="{PAD + span}" x2="{PAD + span}" y2="{PAD}" stroke="#8c959f" '
        'stroke-dasharray="4 3"/>',
        f'<rect x="{PAD}" y="{PAD}" width="{span}" height="{span}" fill="none" stroke="#d0d7de"/>',
    ]
    for tick in (0, 50, 100):
        offset = span * tick / 100
        x_label, y_label = PAD + offset, PAD + span - offset + 4
        parts.append(f'<text x="{x_label:.1f}" y="{PAD + span + 16}" text-anchor="middle" font-size="11">')
        parts.append(f'{tick}%</text><text x="{PAD - 6}" y="{y_label:.1f}" text-anchor="end" font-size="11">')
        parts.append(f"{tick}%</text>")
    parts.append(
        f'<text x="{PAD + span / 2}" y="{SIZE - 4}" text-anchor="middle" font-size="11">predicted</text>'
        f'<text x="14" y="{PAD + span / 2}" font-size="11" transform="rotate(-90 14 {PAD + span / 2})" '
        'text-anchor="middle">observed</text>'
    )
    shapes = ("circle", "square")
    colours = ("#1f6feb", "#bf3989")
    for k, (name, bins) in enumerate(series[:2]):
        for predicted, observed, count in bins:
            x, y = PAD + span * float(predicted), PAD + span * (1 - float(observed))
            radius = 3 + min(6.0, float(count) ** 0.5 / 4)
            if shapes[k] == "circle":
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}" fill="{colours[k]}"/>')
            else:
                parts.append(
                    f'<rect x="{x - radius:.1f}" y="{y - radius:.1f}" width="{2 * radius:.1f}" '
                    f'height="{2 * radius:.1f}" fill="none" stroke="{colours[k]}" stroke-width="2"/>'
                )
        legend_y = PAD + 14 + 20 * k
        marker = (
            f'<circle cx="{SIZE + 4}" cy="{legend_y - 4}" r="5" fill="{colours[k]}"/>'
            if k == 0
            else f'<rect x="{SIZE - 1}" y="{legend_y - 9}" width="10" height="10" fill="none" '
            f'stroke="{colours[k]}" stroke-width="2"/>'
        )
        parts.append(marker + f'<text x="{SIZE + 14}" y="{legend_y}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every value is a number or escaped above
