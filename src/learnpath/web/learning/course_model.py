"""A course as the practice engine sees it: skill graph, items, resources and the learner models.

Built once per course version (cached by the version's checksum) from the pack that
``curriculum.api.course_pack`` returns.

Learner models (docs/decisions/0040): a new course has no answer logs to fit on, so both models start
from priors and are never fitted here:

- ``engine.bkt.BKT`` with the same default parameters for every skill (p_init 0.3, p_learn 0.15,
  p_guess 0.2, p_slip 0.1: the textbook values of Corbett & Anderson 1995) gives P(mastered) per skill,
  which the mastery rule (``engine.mastery``) reads.
- ``engine.elo.EloModel`` with item difficulties taken from the pack's ``difficulty`` field (a logit; an
  item without one gets its skill's mean, 0 if none) gives P(correct) per item, which the policy uses
  to pick items in the productive band.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from learnpath.content.model import Item, Pack, Resource
from learnpath.engine.bkt import BKT
from learnpath.engine.elo import EloModel
from learnpath.engine.skill_graph import SkillGraph
from learnpath.web.curriculum import api as curriculum_api

BKT_DEFAULTS = {"p_init": 0.3, "p_learn": 0.15, "p_guess": 0.2, "p_slip": 0.1, "p_forget": 0.0}


@dataclass(frozen=True)
class CourseModel:
    """Everything practice needs to know about one course version."""

    course_id: str
    checksum: str
    title: str
    pack: Pack
    graph: SkillGraph
    items: dict[str, Item]
    skill_items: dict[str, tuple[str, ...]]
    resources: dict[str, Resource]
    skill_resources: dict[str, tuple[str, ...]]
    bkt: BKT
    elo: EloModel
    positions: dict[str, int] = field(default_factory=dict)

    def skill_name(self, skill_id: str) -> str:
        return self.graph.name(skill_id) if skill_id in self.graph else skill_id


def default_bkt() -> BKT:
    """BKT with the default parameters for every skill (no fitting)."""
    document = {
        "model": "bkt",
        "version": 1,
        "params": BKT().get_params(),
        "skills": {},
        "default": [BKT_DEFAULTS[k] for k in ("p_init", "p_learn", "p_guess", "p_slip", "p_forget")],
    }
    return BKT.from_dict(document)


def elo_from_pack(pack: Pack) -> EloModel:
    """Elo with the pack's item difficulties; a skill's difficulty is the mean of its items' (0 if none)."""
    item_difficulty = {item.id: float(item.difficulty) for item in pack.items if item.difficulty is not None}
    by_skill: dict[str, list[float]] = defaultdict(list)
    for item in pack.items:
        if item.difficulty is not None:
            for skill in item.skills:
                by_skill[skill].append(float(item.difficulty))
    skill_difficulty = {skill.id: 0.0 for skill in pack.skills}
    skill_difficulty.update({skill: sum(values) / len(values) for skill, values in by_skill.items()})
    document = {
        "model": "elo",
        "version": 1,
        "params": EloModel().get_params(),
        "item_difficulty": item_difficulty,
        "skill_difficulty": skill_difficulty,
        "default_difficulty": 0.0,
    }
    return EloModel.from_dict(document)


def build_course_model(pack: Pack, checksum: str) -> CourseModel:
    graph = SkillGraph.build(
        [(skill.id, skill.name) for skill in pack.skills],
        [(prerequisite, skill.id) for skill in pack.skills for prerequisite in skill.prerequisites],
    )
    skill_items: dict[str, list[str]] = defaultdict(list)
    for item in pack.items:
        for skill in item.skills:
            skill_items[skill].append(item.id)
    skill_resources: dict[str, list[str]] = defaultdict(list)
    for resource in pack.resources:
        for skill in resource.skills:
            skill_resources[skill].append(resource.id)
    return CourseModel(
        course_id=pack.meta.id,
        checksum=checksum,
        title=pack.meta.title,
        pack=pack,
        graph=graph,
        items={item.id: item for item in pack.items},
        skill_items={skill: tuple(ids) for skill, ids in skill_items.items()},
        resources={resource.id: resource for resource in pack.resources},
        skill_resources={skill: tuple(ids) for skill, ids in skill_resources.items()},
        bkt=default_bkt(),
        elo=elo_from_pack(pack),
        positions={resource.id: k for k, resource in enumerate(pack.resources)},
    )


_cache: dict[str, CourseModel] = {}
_lock = threading.Lock()


def course_model(course_id: str, checksum: str) -> CourseModel:
    """The model of the course version with this checksum (built on first use, then cached)."""
    cached = _cache.get(course_id)
    if cached is not None and cached.checksum == checksum:
        return cached
    with _lock:
        cached = _cache.get(course_id)
        if cached is None or cached.checksum != checksum:
            cached = build_course_model(curriculum_api.course_pack(course_id=course_id), checksum)
            _cache[course_id] = cached
    return cached


def course_model_in_use(course_id: str) -> CourseModel | None:
    """The model the last access check of this course built or found (None if none yet).

    For reading back right after a service call in the same request, which has checked access and
    loaded this model already.
    """
    return _cache.get(course_id)
