"""A learner's answer history, summarised in counters that update in O(skills of the item).

This is the state of ``LogisticKT`` (``learnpath.engine.logistic_kt``) and the source of its features.
The same small functions serve the online ``update`` (on copies, so a state is never changed) and the
batch featuriser used by ``fit`` and ``predict_sequential`` (on per-learner working copies), which is what
makes the two paths give identical numbers.

Clock: the position of an answer in the learner's sequence (the AKT folds have no time stamps), so
"recency" is counted in answers since the skill was last practised (DAS3H's time windows, Choffin et al.
2019, with positions standing in for time).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from immutables import Map

# Exponential moving averages of correctness: of all answers, and per skill (decay per answer).
LEARNER_DECAYS = (0.5, 0.8, 0.95)
SKILL_DECAYS = (0.5, 0.85)
RECENT_BITS = 3  # the last answers whose correctness is a feature
STREAK_CAP = 10


# The per-skill and per-item records are plain tuples, not named tuples: one of each is built on every
# answer, and building and freeing a tuple subclass costs four times as much (the online update is
# budgeted in microseconds). Their fields, in order:
#
# SkillRecord, one learner's history on one skill:
#   attempts, successes,
#   last_position    the learner's answer count when the skill was last practised,
#   ema              raw EMA sums, one per SKILL_DECAYS (bias-corrected when read),
#   recent           bit k: correctness of the (k+1)-th most recent answer on the skill,
#   streak           > 0: that many correct in a row; < 0: that many wrong in a row,
#   residual         sum of (correct - P(correct) from the item's difficulty alone),
#   block_attempts   answers in the current unbroken run of answers on this skill, block_successes.
SkillRecord = tuple[int, int, int, tuple[float, float], int, int, float, int, int]
# ItemRecord, one learner's history on one item: attempts, successes, last_correct.
ItemRecord = tuple[int, int, bool]

NEW_SKILL: SkillRecord = (0, 0, -1, (0.0, 0.0), 0, 0, 0.0, 0, 0)

# The learner's state is a named tuple, built on every answer too: its generated ``__new__`` is a Python
# function around ``tuple.__new__``, and calling the latter directly builds it in half the time.
_build = tuple.__new__


_NO_ENTRIES: Mapping[Any, Any] = MappingProxyType({})
_NO_SKILLS: Map[str, SkillRecord] = Map()


class LearnerHistory(NamedTuple):
    """Counters of one learner's past answers. Its tables are never written after construction.

    A named tuple rather than a frozen dataclass: it is built on every answer, and a tuple is built in
    a third of the time (the online update is budgeted in microseconds)."""

    answers: int = 0
    successes: int = 0
    ema: tuple[float, ...] = (0.0,) * len(LEARNER_DECAYS)
    recent: int = 0
    streak: int = 0
    residual: float = 0.0  # sum of (correct - P(correct) from the item's difficulty alone)
    residual_ema: float = 0.0
    # a persistent map (a hash array mapped trie): an answer's new history shares all but the answered
    # skills' entries with the old one, so the update is O(skills of the item), not O(skills practised)
    skills: Mapping[str, SkillRecord] = _NO_SKILLS
    # the most recently answered items, oldest first, at most RECENT_ITEMS: repeats of an item come soon
    # after the first attempt, and a bounded table keeps the update O(skills of the item)
    items: Mapping[str, ItemRecord] = _NO_ENTRIES

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1,
            "answers": self.answers,
            "successes": self.successes,
            "ema": list(self.ema),
            "recent": self.recent,
            "streak": self.streak,
            "residual": self.residual,
            "residual_ema": self.residual_ema,
            "skills": {
                skill: [*record[:3], list(record[3]), *record[4:]] for skill, record in self.skills.items()
            },
            "items": [[item, *record] for item, record in self.items.items()],
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> LearnerHistory:
        if document.get("version") != 1:
            raise ValueError(f"LearnerHistory: unsupported version {document.get('version')!r}")
        for skill, record in document["skills"].items():
            if len(record) != 9 or len(record[3]) != len(SKILL_DECAYS):
                raise ValueError(
                    f"LearnerHistory: skill {skill!r} needs 9 fields with {len(SKILL_DECAYS)} moving averages"
                )
        return cls(
            answers=int(document["answers"]),
            successes=int(document["successes"]),
            ema=tuple(float(x) for x in document["ema"]),
            recent=int(document["recent"]),
            streak=int(document["streak"]),
            residual=float(document["residual"]),
            residual_ema=float(document["residual_ema"]),
            skills=Map(
                {
                    str(skill): (
                        int(a),
                        int(s),
                        int(p),
                        (float(e[0]), float(e[1])),
                        int(r),
                        int(k),
                        float(res),
                        int(ba),
                        int(bs),
                    )
                    for skill, (a, s, p, e, r, k, res, ba, bs) in document["skills"].items()
                }
            ),
            items={str(item): (int(a), int(s), bool(c)) for item, a, s, c in document["items"]},
        )


def _ema_read(raw: tuple[float, ...], decays: tuple[float, ...], count: int) -> list[float]:
    # Bias-corrected EMA (as in Adam): the mean of the observed answers weighted by decay^age.
    if count == 0:
        return [0.0] * len(decays)
    return [value / (1.0 - decay**count) for value, decay in zip(raw, decays, strict=True)]


def _bits(recent: int, count: int) -> list[float]:
    # +1 correct, -1 wrong, 0 no such answer yet
    return [(1.0 if recent >> k & 1 else -1.0) if k < count else 0.0 for k in range(RECENT_BITS)]


LEARNER_FEATURES = (
    ["log_answers", "log_successes", "log_failures", "success_logit", "has_history"]
    + [f"ema_{d}" for d in LEARNER_DECAYS]
    + [f"last_{k + 1}" for k in range(RECENT_BITS)]
    + ["streak_right", "streak_wrong", "ability", "ability_ema"]
)
RESIDUAL_DECAY = 0.9
ABILITY_PRIOR = 3.0  # pseudo answers shrinking the mean residual (the online ability) towards 0


def learner_features(
    history_answers: int,
    successes: int,
    ema: tuple[float, ...],
    recent: int,
    streak: int,
    residual: float,
    residual_ema: float,
) -> list[float]:
    failures = history_answers - successes
    return [
        math.log1p(history_answers),
        math.log1p(successes),
        math.log1p(failures),
        math.log((successes + 1.0) / (failures + 1.0)),
        1.0 if history_answers else 0.0,
        *_ema_read(ema, LEARNER_DECAYS, history_answers),
        *_bits(recent, history_answers),
        math.log1p(max(streak, 0)),
        math.log1p(max(-streak, 0)),
        residual / (history_answers + ABILITY_PRIOR),
        residual_ema / (1.0 - RESIDUAL_DECAY**history_answers) if history_answers else 0.0,
    ]


SKILL_FEATURES = (
    ["skill_log_attempts", "skill_log_successes", "skill_log_failures", "skill_success_logit", "skill_seen"]
    + ["skill_log_gap", "skill_gap_1", "skill_gap_le_5"]
    + [f"skill_ema_{d}" for d in SKILL_DECAYS]
    + [f"skill_last_{k + 1}" for k in range(RECENT_BITS)]
    + ["skill_streak_right", "skill_streak_wrong", "skill_three_right", "skill_ability"]
    + ["block_log_attempts", "block_success_logit", "block_failures_before"]
)


def skill_features(record: SkillRecord, position: int) -> list[float]:
    """Features of one skill's history for an answer at ``position`` (the learner's answer count)."""
    attempts, successes, last_position, ema, recent, streak, residual, block_attempts, block_successes = (
        record
    )
    failures = attempts - successes
    if attempts:
        gap = position - last_position  # 1 = the skill was practised on the answer before
        gap_features = [math.log1p(gap), 1.0 if gap == 1 else 0.0, 1.0 if gap <= 5 else 0.0]
    else:
        gap_features = [0.0, 0.0, 0.0]
    if attempts and position - last_position == 1:
        block_failures = block_attempts - block_successes
        block_features = [
            math.log1p(block_attempts),
            math.log((block_successes + 1.0) / (block_failures + 1.0)),
            math.log1p(attempts - block_attempts),
        ]
    else:
        block_features = [0.0, 0.0, math.log1p(attempts)]
    return [
        math.log1p(attempts),
        math.log1p(successes),
        math.log1p(failures),
        math.log((successes + 1.0) / (failures + 1.0)),
        1.0 if attempts else 0.0,
        *gap_features,
        *_ema_read(ema, SKILL_DECAYS, attempts),
        *_bits(recent, attempts),
        math.log1p(max(streak, 0)),
        math.log1p(max(-streak, 0)),
        1.0 if streak >= 3 else 0.0,  # ASSISTments skill builders end at three right in a row
        residual / (attempts + ABILITY_PRIOR),
        *block_features,
    ]


ITEM_FEATURES = ("item_log_attempts", "item_successes", "item_seen", "item_last_correct")


def item_features(record: ItemRecord | None) -> list[float]:
    if record is None:
        return [0.0, 0.0, 0.0, 0.0]
    attempts, successes, last_correct = record
    return [math.log1p(attempts), float(successes), 1.0, 1.0 if last_correct else -1.0]


_SD0, _SD1 = SKILL_DECAYS
_RECENT_MASK = (1 << RECENT_BITS) - 1


def next_skill(record: SkillRecord, correct: bool, position: int, residual: float) -> SkillRecord:
    attempts, successes, last_position, ema, recent, streak, residual_sum, block_attempts, block_successes = (
        record
    )
    if correct:
        y = 1.0
        streak = min(streak + 1, STREAK_CAP) if streak > 0 else 1
    else:
        y = 0.0
        streak = max(streak - 1, -STREAK_CAP) if streak < 0 else -1
    continues = position - last_position == 1
    return (
        attempts + 1,
        successes + correct,
        position,
        (_SD0 * ema[0] + (1.0 - _SD0) * y, _SD1 * ema[1] + (1.0 - _SD1) * y),
        ((recent << 1) | correct) & _RECENT_MASK,
        streak,
        residual_sum + residual,
        block_attempts + 1 if continues else 1,
        (block_successes if continues else 0) + correct,
    )


RECENT_ITEMS = 16


def push_item(recent: Mapping[Any, ItemRecord], item: Any, correct: bool) -> dict[Any, ItemRecord]:
    """The recent-items table after an answer to ``item`` (a new dict; oldest first, at most
    RECENT_ITEMS entries): the item moves to the end, the least recently answered item drops out."""
    # dict.copy clones the hash table as it is; dict(table) re-inserts every entry once the table has
    # had a deletion, which is always so here (four times slower)
    table = recent.copy() if type(recent) is dict else dict(recent)
    record = table.pop(item, None)
    table[item] = (
        (1, int(correct), correct) if record is None else (record[0] + 1, record[1] + correct, correct)
    )
    if len(table) > RECENT_ITEMS:
        del table[next(iter(table))]
    return table


_LD0, _LD1, _LD2 = LEARNER_DECAYS


def next_learner_scalars(
    answers: int,
    successes: int,
    ema: tuple[float, ...],
    recent: int,
    streak: int,
    residual_sum: float,
    residual_ema: float,
    correct: bool,
    residual: float,
) -> tuple[int, int, tuple[float, ...], int, int, float, float]:
    if correct:
        y = 1.0
        streak = min(streak + 1, STREAK_CAP) if streak > 0 else 1
    else:
        y = 0.0
        streak = max(streak - 1, -STREAK_CAP) if streak < 0 else -1
    return (
        answers + 1,
        successes + correct,
        (
            _LD0 * ema[0] + (1.0 - _LD0) * y,
            _LD1 * ema[1] + (1.0 - _LD1) * y,
            _LD2 * ema[2] + (1.0 - _LD2) * y,
        ),
        ((recent << 1) | correct) & _RECENT_MASK,
        streak,
        residual_sum + residual,
        RESIDUAL_DECAY * residual_ema + (1.0 - RESIDUAL_DECAY) * residual,
    )


def combination_key(skills: tuple[str, ...]) -> str:
    """The key of a multi-skill answer's skill combination, tracked as a skill of its own (a common
    treatment of multi-skill items in knowledge tracing); single-skill answers use the skill itself."""
    return skills[0] if len(skills) == 1 else "\x1f".join(sorted(skills))


def advance(
    history: LearnerHistory, item: str, skills: tuple[str, ...], correct: bool, item_p: float
) -> LearnerHistory:
    """The history after one more answer; ``history`` is left as it was. O(skills of the item): the
    per-skill map is persistent (the new one shares every other skill's entry with the old one) and the
    recent-items table has at most RECENT_ITEMS entries.

    ``item_p`` is P(correct) on the item from its difficulty alone; ``correct - item_p`` accumulates into
    the learner's online ability, overall and per skill (an Elo-like residual).
    """
    answers, successes, ema, recent, streak, residual_sum, residual_ema, old_skills, old_items = history
    residual = (1.0 if correct else 0.0) - item_p
    skill_map = old_skills if isinstance(old_skills, Map) else Map(old_skills)
    for skill in skills:
        skill_map = skill_map.set(
            skill, next_skill(skill_map.get(skill, NEW_SKILL), correct, answers, residual)
        )
    if len(skills) > 1:
        combo = combination_key(skills)
        skill_map = skill_map.set(
            combo, next_skill(skill_map.get(combo, NEW_SKILL), correct, answers, residual)
        )
    return _build(
        LearnerHistory,
        (
            *next_learner_scalars(
                answers, successes, ema, recent, streak, residual_sum, residual_ema, correct, residual
            ),
            skill_map,
            push_item(old_items, item, correct),
        ),
    )
