"""The class cockpit, computed from plain data: the mastery heatmap, who needs help now and why, who is
ready for a challenge, and small groups stuck on the same skill. Pure: no database, time passed in.

Signals (each comes with its evidence and a suggested action, so a teacher can check it and act):

- **repeated errors**: the last ``ERRORS_IN_A_ROW`` answers were all wrong;
- **runs of hints**: at least ``HINTS_IN_WINDOW`` hints or worked solutions among the last ``HINT_WINDOW``
  actions;
- **relying on hints**: over the last ``DEPENDENCE_QUESTIONS`` questions answered (at least
  ``DEPENDENCE_MIN_QUESTIONS`` of them), a hint was taken before the first answer on at least
  ``DEPENDENCE_SHARE`` of them. One hint a question never makes a run of hints, so this is its own signal;
- **idle**: nothing done for ``IDLE_DAYS`` days (or never started);
- **predicted to fail the next item**: BKT's P(correct) on the skill being practised, from its
  P(mastered) (Corbett & Anderson 1995: P(correct) = P(L)(1 − slip) + (1 − P(L)) guess), below
  ``FAIL_BELOW`` after at least ``MIN_ANSWERS_FOR_PREDICTION`` answers on it;
- **behind the pacing guide**: a target skill past its due date and not mastered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

ERRORS_IN_A_ROW = 3
HINT_WINDOW = 6
HINTS_IN_WINDOW = 3
DEPENDENCE_QUESTIONS = 10
DEPENDENCE_MIN_QUESTIONS = 8
DEPENDENCE_SHARE = 0.8
RECENT_EVENTS = 60
"""Events read per learner: enough for ``DEPENDENCE_QUESTIONS`` questions of a start, a hint or two and
an answer or two each (one query for the class whatever this is)."""
IDLE_DAYS = 5
FAIL_BELOW = 0.45
MIN_ANSWERS_FOR_PREDICTION = 3
STUCK_BELOW = 0.5
STUCK_MIN_ANSWERS = 3
URGENCY = {"errors": 0, "predicted": 1, "hints": 2, "dependence": 2, "behind": 3, "idle": 4}


@dataclass(frozen=True)
class SkillCell:
    """One learner on one skill, as the learning app derives it."""

    p_mastered: float
    answers: int
    mastered: bool
    lapsed: bool = False
    last_practised: datetime | None = None


@dataclass(frozen=True)
class Activity:
    """One recent action of a learner: kind (answer, hint, solution, skip, start...), skills, verdict."""

    kind: str
    skill_ids: tuple[str, ...]
    item_id: str
    verdict: str
    occurred_at: datetime


@dataclass(frozen=True)
class Target:
    """A pacing target as it applies to one learner."""

    id: int
    skill_id: str
    due: datetime


@dataclass(frozen=True)
class Signal:
    kind: str
    title: str
    evidence: str
    action: str
    skill_id: str = ""


@dataclass(frozen=True)
class LearnerFlag:
    learner_id: int
    name: str
    signals: tuple[Signal, ...]


@dataclass(frozen=True)
class GroupSuggestion:
    skill_id: str
    skill_name: str
    learner_ids: tuple[int, ...]
    names: tuple[str, ...]


@dataclass(frozen=True)
class HeatCell:
    css: str
    label: str
    title: str


@dataclass(frozen=True)
class HeatRow:
    learner_id: int
    name: str
    cells: tuple[HeatCell, ...]
    mastered: int

    @property
    def cells_html(self) -> SafeString:
        """The row's cells as HTML, built here: 2,000 cells through the template engine cost ~10x more."""
        return mark_safe(  # noqa: S308 - every value is escaped
            "".join(
                f'<td class="{c.css}" title="{escape(c.title)}">{escape(c.label)}</td>' for c in self.cells
            )
        )


@dataclass
class Cockpit:
    skills: list[tuple[str, str]]
    rows: list[HeatRow] = field(default_factory=list)
    needs_help: list[LearnerFlag] = field(default_factory=list)
    ready: list[LearnerFlag] = field(default_factory=list)
    groups: list[GroupSuggestion] = field(default_factory=list)


class _CellWords:
    """The heatmap's words, translated once per cockpit (not once per cell: a class of 40 on a course of
    50 skills has 2,000 cells, and each translation lookup costs more than the formatting)."""

    def __init__(self) -> None:
        self._plural: dict[tuple[str, int], str] = {}
        self.not_started = gettext("%(name)s · %(skill)s: not started")

    def title(self, variant: str, answers: int) -> str:
        key = (variant, answers)
        template = self._plural.get(key)
        if template is None:
            if variant == "mastered":
                template = ngettext(
                    "%(name)s · %(skill)s: P(mastered) %(percent)d%%, %(answers)d answer, mastered",
                    "%(name)s · %(skill)s: P(mastered) %(percent)d%%, %(answers)d answers, mastered",
                    answers,
                )
            elif variant == "lapsed":
                template = ngettext(
                    "%(name)s · %(skill)s: P(mastered) %(percent)d%%, %(answers)d answer, slipped since "
                    "mastery",
                    "%(name)s · %(skill)s: P(mastered) %(percent)d%%, %(answers)d answers, slipped since "
                    "mastery",
                    answers,
                )
            else:
                template = ngettext(
                    "%(name)s · %(skill)s: P(mastered) %(percent)d%%, %(answers)d answer",
                    "%(name)s · %(skill)s: P(mastered) %(percent)d%%, %(answers)d answers",
                    answers,
                )
            self._plural[key] = template
        return template


def _cell(name: str, skill_name: str, cell: SkillCell | None, words: _CellWords | None = None) -> HeatCell:
    words = words or _CellWords()
    if cell is None or cell.answers == 0:
        return HeatCell("heat-none", "", words.not_started % {"name": name, "skill": skill_name})
    percent = round(cell.p_mastered * 100)
    if cell.mastered and not cell.lapsed:
        css, variant = "heat-mastered", "mastered"
    elif cell.lapsed:
        css, variant = "heat-lapsed", "lapsed"
    else:
        variant = "progress"
        css = "heat-low" if cell.p_mastered < 0.4 else "heat-mid" if cell.p_mastered < 0.7 else "heat-high"
    words_in = {"name": name, "skill": skill_name, "percent": percent, "answers": cell.answers}
    return HeatCell(css, str(percent), words.title(variant, cell.answers) % words_in)


def _when(moment: datetime, now: datetime) -> str:
    days = (now - moment).days
    local = timezone.localtime(moment)  # in the reader's time zone (accounts.timezones)
    if days <= 0:
        return gettext("today at %(time)s") % {"time": f"{local:%H:%M %Z}"}
    if days == 1:
        return gettext("yesterday")
    return gettext("%(days)d days ago (%(date)s)") % {"days": days, "date": date_format(local, "d M")}


def current_skill(recent: Sequence[Activity]) -> str | None:
    """The skill of the learner's latest question (``recent`` newest first), or None."""
    current = next((a for a in recent if a.kind in ("answer", "start") and a.skill_ids), None)
    return current.skill_ids[0] if current is not None else None


@dataclass(frozen=True)
class HintUse:
    """Of the learner's latest answered questions: how many, how many with a hint before the first
    answer, and the skill hinted on most often among those."""

    questions: int
    hinted: int
    skill_id: str


def hint_use(recent: Sequence[Activity], *, questions: int = DEPENDENCE_QUESTIONS) -> HintUse:
    """Hints before the first answer over the latest ``questions`` answered questions (``recent`` newest
    first; a question runs from its ``start`` to the next). A question with no answer (skipped, or still
    open) does not count; a hint after the first answer (on a later step, or after a wrong try) does not
    make a question hinted."""
    answered: list[tuple[bool, str]] = []  # (hint before the first answer, skill), oldest first
    hint_first = done = False
    for activity in reversed(recent):
        if activity.kind == "start":
            hint_first = done = False
        elif activity.kind == "hint" and not done:
            hint_first = True
        elif activity.kind == "answer" and not done:
            done = True
            answered.append((hint_first, activity.skill_ids[0] if activity.skill_ids else ""))
    window = answered[-questions:]
    tally: dict[str, int] = {}
    for was_hinted, skill in window:
        if was_hinted and skill:
            tally[skill] = tally.get(skill, 0) + 1
    top = max(sorted(tally), key=lambda skill: tally[skill], default="")
    return HintUse(len(window), sum(1 for was_hinted, _skill in window if was_hinted), top)


def learner_signals(
    *,
    name: str,
    cells: Mapping[str, SkillCell],
    recent: Sequence[Activity],
    last_active: datetime | None,
    targets: Sequence[Target],
    skill_names: Mapping[str, str],
    now: datetime,
    predicted: float | None = None,
) -> list[Signal]:
    """Every "needs help now" signal for one learner, with evidence and a suggested action.

    ``recent`` is newest first. ``predicted`` is the served learner model's P(correct) on the learner's
    current skill (``current_skill``), from ``learning.api.predicted_correct``.
    """
    signals: list[Signal] = []

    def skill_name(skill_id: str) -> str:
        return skill_names.get(skill_id, skill_id)

    answers = [a for a in recent if a.kind == "answer"]
    wrong_run = 0
    for answer in answers:
        if answer.verdict != "incorrect":
            break
        wrong_run += 1
    if wrong_run >= ERRORS_IN_A_ROW:
        skill = answers[0].skill_ids[0] if answers[0].skill_ids else ""
        signals.append(
            Signal(
                "errors",
                gettext("Repeated errors"),
                gettext("The last %(count)d answers were wrong, the latest on %(skill)s (%(when)s).")
                % {
                    "count": wrong_run,
                    "skill": skill_name(skill),
                    "when": _when(answers[0].occurred_at, now),
                },
                gettext("Sit with %(name)s for a worked example of %(skill)s; check its prerequisites.")
                % {"name": name, "skill": skill_name(skill)},
                skill,
            )
        )
    window = list(recent[:HINT_WINDOW])
    hints = [a for a in window if a.kind in ("hint", "solution")]
    if len(hints) >= HINTS_IN_WINDOW:
        skill = hints[0].skill_ids[0] if hints[0].skill_ids else ""
        signals.append(
            Signal(
                "hints",
                gettext("Leaning on hints"),
                (
                    gettext("%(hints)d hints or worked solutions in the last %(steps)d steps, on %(skill)s.")
                    if skill
                    else gettext("%(hints)d hints or worked solutions in the last %(steps)d steps.")
                )
                % {"hints": len(hints), "steps": len(window), "skill": skill_name(skill) if skill else ""},
                gettext("Ask %(name)s to explain the first step aloud; re-teach the idea, not the answer.")
                % {"name": name},
                skill,
            )
        )
    use = hint_use(recent)
    if use.questions >= DEPENDENCE_MIN_QUESTIONS and use.hinted >= DEPENDENCE_SHARE * use.questions - 1e-9:
        signals.append(
            Signal(
                "dependence",
                gettext("Relying on hints"),
                (
                    gettext(
                        "Took a hint before the first answer on %(hinted)d of the last %(questions)d "
                        "questions, most often on %(skill)s."
                    )
                    if use.skill_id
                    else gettext(
                        "Took a hint before the first answer on %(hinted)d of the last %(questions)d "
                        "questions."
                    )
                )
                % {
                    "hinted": use.hinted,
                    "questions": use.questions,
                    "skill": skill_name(use.skill_id) if use.skill_id else "",
                },
                gettext(
                    "Ask %(name)s to try each question first and take a hint only after a first attempt; "
                    "if they cannot start, re-teach the idea with a worked example."
                )
                % {"name": name},
                use.skill_id,
            )
        )
    if last_active is None:
        signals.append(
            Signal(
                "idle",
                gettext("Not started"),
                gettext("No practice yet in this course."),
                gettext("Help %(name)s start: sign in together.") % {"name": name},
            )
        )
    elif now - last_active >= timedelta(days=IDLE_DAYS):
        signals.append(
            Signal(
                "idle",
                gettext("Idle"),
                gettext("Last practised %(when)s.") % {"when": _when(last_active, now)},
                gettext("Check in with %(name)s; a short review session gets them going again.")
                % {"name": name},
            )
        )
    skill = current_skill(recent)
    if skill is not None and predicted is not None:
        cell = cells.get(skill)
        if cell is not None and not cell.mastered and cell.answers >= MIN_ANSWERS_FOR_PREDICTION:
            p_correct = predicted
            if p_correct < FAIL_BELOW:
                signals.append(
                    Signal(
                        "predicted",
                        gettext("Likely to miss the next item"),
                        gettext(
                            "Predicted chance of a right answer on %(skill)s: %(chance)d%% "
                            "(P(mastered) %(mastered)d%% after %(answers)d answers)."
                        )
                        % {
                            "skill": skill_name(skill),
                            "chance": round(p_correct * 100),
                            "mastered": round(cell.p_mastered * 100),
                            "answers": cell.answers,
                        },
                        gettext(
                            "Give %(name)s an easier item or a resource on %(skill)s before the next one."
                        )
                        % {"name": name, "skill": skill_name(skill)},
                        skill,
                    )
                )
    for target in targets:
        cell = cells.get(target.skill_id)
        if target.due < now and (cell is None or not cell.mastered):
            percent = round((cell.p_mastered if cell else 0.0) * 100)
            signals.append(
                Signal(
                    "behind",
                    gettext("Behind the pacing guide"),
                    gettext("%(skill)s was due %(due)s; P(mastered) is %(percent)d%%.")
                    % {
                        "skill": skill_name(target.skill_id),
                        "due": date_format(timezone.localtime(target.due), "d M"),
                        "percent": percent,
                    },
                    gettext("Plan catch-up time with %(name)s, or move their date.") % {"name": name},
                    target.skill_id,
                )
            )
    return signals


def _by_urgency(flag: LearnerFlag) -> tuple[int, int]:
    """Most urgent first: a learner failing right now before one who is idle or behind the plan."""
    return (min(URGENCY.get(s.kind, 9) for s in flag.signals), -len(flag.signals))


def needs_help(
    *,
    learners: Sequence[tuple[int, str]],
    skills: Sequence[tuple[str, str]],
    cells: Mapping[int, Mapping[str, SkillCell]],
    recent: Mapping[int, Sequence[Activity]],
    last_active: Mapping[int, datetime | None],
    targets: Mapping[int, Sequence[Target]],
    now: datetime,
    predicted: Mapping[int, float] | None = None,
) -> list[LearnerFlag]:
    """The cockpit's "needs help now" list alone, most urgent first (the teacher's overview and inbox
    show it for every class without drawing a heatmap)."""
    skill_names = dict(skills)
    flags = []
    for learner_id, name in learners:
        signals = learner_signals(
            name=name,
            cells=cells.get(learner_id, {}),
            recent=recent.get(learner_id, ()),
            last_active=last_active.get(learner_id),
            targets=targets.get(learner_id, ()),
            skill_names=skill_names,
            now=now,
            predicted=(predicted or {}).get(learner_id),
        )
        if signals:
            flags.append(LearnerFlag(learner_id, name, tuple(signals)))
    return sorted(flags, key=_by_urgency)


def cockpit_build(
    *,
    learners: Sequence[tuple[int, str]],
    skills: Sequence[tuple[str, str]],
    cells: Mapping[int, Mapping[str, SkillCell]],
    recent: Mapping[int, Sequence[Activity]],
    last_active: Mapping[int, datetime | None],
    targets: Mapping[int, Sequence[Target]],
    now: datetime,
    predicted: Mapping[int, float] | None = None,
) -> Cockpit:
    """The whole cockpit for learners × skills (both in display order). ``predicted``: each learner's
    P(correct) on their current skill from the served learner model."""
    skill_names = dict(skills)
    cockpit = Cockpit(skills=list(skills))
    cockpit.needs_help = needs_help(
        learners=learners,
        skills=skills,
        cells=cells,
        recent=recent,
        last_active=last_active,
        targets=targets,
        now=now,
        predicted=predicted,
    )
    flagged = {flag.learner_id for flag in cockpit.needs_help}
    words = _CellWords()
    stuck: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for learner_id, name in learners:
        mine = cells.get(learner_id, {})
        row_cells = tuple(
            _cell(name, skill_name, mine.get(skill_id), words) for skill_id, skill_name in skills
        )
        mastered = sum(1 for cell in mine.values() if cell.mastered)
        cockpit.rows.append(HeatRow(learner_id, name, row_cells, mastered))
        if learner_id not in flagged:
            ready = _ready_signal(name, mine, recent.get(learner_id, ()), skills)
            if ready is not None:
                cockpit.ready.append(LearnerFlag(learner_id, name, (ready,)))
        for skill_id, cell in mine.items():
            if skill_id in skill_names and _is_stuck(cell):
                stuck[skill_id].append((learner_id, name))
    cockpit.groups = sorted(
        (
            GroupSuggestion(
                skill_id,
                skill_names[skill_id],
                tuple(learner_id for learner_id, _ in members),
                tuple(name for _, name in members),
            )
            for skill_id, members in stuck.items()
            if len(members) >= 2
        ),
        key=lambda group: (-len(group.learner_ids), group.skill_name),
    )
    return cockpit


def _is_stuck(cell: SkillCell) -> bool:
    return not cell.mastered and cell.answers >= STUCK_MIN_ANSWERS and cell.p_mastered < STUCK_BELOW


def _ready_signal(
    name: str, cells: Mapping[str, SkillCell], recent: Sequence[Activity], skills: Sequence[tuple[str, str]]
) -> Signal | None:
    answers = [a for a in recent if a.kind == "answer"][:3]
    mastered = [skill_id for skill_id, _ in skills if (cell := cells.get(skill_id)) and cell.mastered]
    if len(answers) < 3 or any(a.verdict != "correct" for a in answers) or not mastered:
        return None
    upcoming = next((skill for skill in skills if not ((c := cells.get(skill[0])) and c.mastered)), None)
    action = (
        gettext("Offer %(name)s %(skill)s next, or a project to apply what they know.")
        % {"name": name, "skill": upcoming[1]}
        if upcoming
        else gettext("%(name)s has mastered every skill here: offer a project or the next course.")
        % {"name": name}
    )
    return Signal(
        "ready",
        gettext("Ready for a challenge"),
        ngettext(
            "The last 3 answers were right; %(count)d skill mastered.",
            "The last 3 answers were right; %(count)d skills mastered.",
            len(mastered),
        )
        % {"count": len(mastered)},
        action,
        upcoming[0] if upcoming else "",
    )
