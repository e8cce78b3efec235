"""A course version as placement sees it: the skill graph and the one-part items it may ask.

Built once per course version, served learner model and cap (cached), from the pack that
``curriculum.api.course_pack`` returns. An item's slip and guess are those the served learner model has for
its skill (``learning.api.answer_noise``: the textbook 0.1 and 0.2 of a new course's prior model, the BKT
fitted on the course's own log after a refit), except that a single-choice question with fewer than five
choices is guessed right at least one time in its number of choices.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache

from learnpath.content.model import Item, Pack
from learnpath.content.templates import instantiate
from learnpath.engine.placement import Placement, PlacementConfig, PlacementItem
from learnpath.engine.skill_graph import SkillGraph
from learnpath.web.curriculum import api as curriculum_api
from learnpath.web.learning import api as learning_api

P_SLIP = 0.1
P_GUESS = 0.2


@dataclass(frozen=True)
class CoursePlacement:
    course_id: str
    checksum: str
    title: str
    graph: SkillGraph
    items: dict[str, Item]
    engine: Placement
    # The engine caches beliefs in a plain dict that is not safe to change from two threads at once (a
    # threaded server): its belief computations run one at a time per course version and cap.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def variant(self, item_id: str, seed: int) -> Item:
        """The item as the learner sees it (a template's variant for ``seed``)."""
        item = self.items[item_id]
        return instantiate(item, int(seed)) if item.is_template else item


def placement_items(
    pack: Pack, graph: SkillGraph, noise: dict[str, tuple[float, float]] | None = None
) -> list[tuple[Item, PlacementItem]]:
    """The items placement may ask: one part (no steps) and one skill of the course, with the served
    model's (slip, guess) of their skill (``noise``; the textbook values where it has none)."""
    usable = []
    for item in pack.items:
        if item.steps or len(item.skills) != 1 or item.skills[0] not in graph:
            continue
        slip, guess = (noise or {}).get(item.skills[0], (P_SLIP, P_GUESS))
        choices = len(item.main.choices) if item.main.type == "single_choice" else 0
        placement_item = PlacementItem.from_noise(item.id, item.skills[0], slip, guess, choices=choices)
        usable.append((item, placement_item))
    return usable


def build(
    pack: Pack, checksum: str, max_questions: int, noise: dict[str, tuple[float, float]] | None = None
) -> CoursePlacement:
    graph = SkillGraph.build(
        [(skill.id, skill.name) for skill in pack.skills],
        [(prerequisite, skill.id) for skill in pack.skills for prerequisite in skill.prerequisites],
    )
    usable = placement_items(pack, graph, noise)
    engine = Placement(graph, tuple(p for _item, p in usable), PlacementConfig(max_questions=max_questions))
    return CoursePlacement(
        course_id=pack.meta.id,
        checksum=checksum,
        title=pack.meta.title,
        graph=graph,
        items={item.id: item for item, _p in usable},
        engine=engine,
    )


def course_placement(course_id: str, checksum: str, max_questions: int) -> CoursePlacement:
    """The placement of this course version with this cap and the served learner model's item parameters
    (built on first use, then kept; the engine keeps its beliefs, so a resumed placement costs one step,
    not a replay of every answer)."""
    version, noise = learning_api.answer_noise(course_id=course_id, checksum=checksum)
    return _course_placement(course_id, checksum, max_questions, version, tuple(sorted(noise.items())))


@lru_cache(maxsize=32)
def _course_placement(
    course_id: str,
    checksum: str,
    max_questions: int,
    version: str,
    noise: tuple[tuple[str, tuple[float, float]], ...],
) -> CoursePlacement:
    return build(curriculum_api.course_pack(course_id=course_id), checksum, max_questions, dict(noise))
