"""A course as the practice engine sees it: skill graph, items, resources and the learner loop's course.

Built once per course version (cached by the version's checksum) from the pack that
``curriculum.api.course_pack`` returns. ``loop`` is the engine's ``learner_loop.Course``: what every
event does to a learner is decided there, with the course's served learner model
(``engine.served_model``). A course starts from the prior model: BKT with textbook parameters for
P(mastered) and Elo with the pack's item difficulties for P(correct) (docs/learner-model.md).
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace

from learnpath.content.model import Item, Pack, Resource
from learnpath.engine.learner_loop import Course, LoopItem
from learnpath.engine.served_model import PRIOR_VERSION, PriorModel, ServedModel, served_model_from_dict
from learnpath.engine.skill_graph import SkillGraph
from learnpath.web.curriculum import api as curriculum_api

TEMPLATE_FRESH_VARIANTS = 3
"""A template item counts as used up (for rotation) once per this many showings: fresh variants first."""


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
    loop: Course
    positions: dict[str, int] = field(default_factory=dict)

    def skill_name(self, skill_id: str) -> str:
        return self.graph.name(skill_id) if skill_id in self.graph else skill_id


def prior_model(pack: Pack) -> PriorModel:
    """The model a course serves before it has a fitted one: the pack's difficulties, textbook BKT."""
    return PriorModel.from_difficulties(
        {item.id: float(item.difficulty) for item in pack.items if item.difficulty is not None},
        {item.id: item.skills for item in pack.items},
        [skill.id for skill in pack.skills],
    )


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
        loop=Course(
            graph=graph,
            items={
                item.id: LoopItem(item.skills, TEMPLATE_FRESH_VARIANTS if item.is_template else 1)
                for item in pack.items
            },
            model=prior_model(pack),
        ),
        positions={resource.id: k for k, resource in enumerate(pack.resources)},
    )


_cache: dict[str, CourseModel] = {}
_versions: dict[tuple[str, str, str], CourseModel] = {}
MAX_OLD_VERSIONS = 8

_registry_lock = threading.Lock()
"""Guards the dictionaries above and ``_build_locks``; held only for dictionary operations, never while a
course is built."""
_build_locks: dict[str, threading.Lock] = {}
"""One lock per course: two requests for the same course build it once, and a large course being built
never holds up a request for another course."""


def _course_lock(course_id: str) -> threading.Lock:
    with _registry_lock:
        lock = _build_locks.get(course_id)
        if lock is None:
            lock = _build_locks[course_id] = threading.Lock()
        return lock


SERVED_VERSION_TTL = 10.0
"""Seconds a process trusts its last look-up of a course's served model: a refit served by the worker
reaches every app process within this time (and the process that serves it at once)."""
_served: dict[str, tuple[float, str]] = {}


def served_version(course_id: str) -> str:
    """The name of the learner model the course serves now: its newest served fit, or the prior."""
    from learnpath.web.learning.models import FittedModel

    now = time.monotonic()
    known = _served.get(course_id)
    if known is not None and now - known[0] < SERVED_VERSION_TTL:
        return known[1]
    name = (
        FittedModel.objects.filter(course_id=course_id, served=True)
        .order_by("-number")
        .values_list("name", flat=True)
        .first()
    ) or PRIOR_VERSION
    _served[course_id] = (now, name)
    return name


def forget_served_version(course_id: str | None = None) -> None:
    """Look the served model up again on next use (after serving a new one). Without a course, forget
    every cached course model and pack too (between tests, whose databases reuse version names)."""
    if course_id is None:
        with _registry_lock:
            _served.clear()
            _cache.clear()
            _versions.clear()
        curriculum_api.course_packs_forget()
    else:
        _served.pop(course_id, None)


def _with_model(base: CourseModel, version: str) -> CourseModel:
    from learnpath.web.learning.models import FittedModel

    if version == PRIOR_VERSION:
        model: ServedModel = prior_model(base.pack)
    else:
        document = (
            FittedModel.objects.filter(course_id=base.course_id, name=version)
            .values_list("document", flat=True)
            .first()
        )
        if document is None:
            raise LookupError(f"course {base.course_id!r} has no fitted model {version!r}")
        model = served_model_from_dict(document)
    return replace(base, loop=replace(base.loop, model=model))


def course_model(course_id: str, checksum: str, version: str | None = None) -> CourseModel:
    """The model of the course version with this checksum, serving the learner model it serves now (or the
    named ``version``, for replaying old events): built on first use, then cached."""
    wanted = version or served_version(course_id)
    cached = _cache.get(course_id)
    if cached is not None and cached.checksum == checksum and cached.loop.model.version == wanted:
        return cached
    key = (course_id, checksum, wanted)
    with _course_lock(course_id):
        found = _versions.get(key)
        if found is not None:
            return found
        cached = _cache.get(course_id)
        if cached is None or cached.checksum != checksum:
            cached = build_course_model(curriculum_api.course_pack(course_id=course_id), checksum)
        if cached.loop.model.version != wanted:
            cached = _with_model(cached, wanted)
        with _registry_lock:
            if version is None:
                _cache[course_id] = cached
            else:
                if len(_versions) >= MAX_OLD_VERSIONS:
                    _versions.pop(next(iter(_versions)))
                _versions[key] = cached
    return cached


def course_models_warm() -> list[str]:
    """Build the model of every course's current version, serving its current learner model, so the first
    learner of each course after a start does not wait for it. Returns the ids of the courses built.

    ``learnpath serve`` calls it before it takes traffic (in the parent process when it runs several, so
    every worker starts with the models built); the readiness check reports until it has run.
    """
    warmed: list[str] = []
    for course_id in curriculum_api.course_ids():
        info = curriculum_api.course_info(course_id=course_id)
        if info is None:  # deleted meanwhile
            continue
        course_model(info.id, info.checksum)
        warmed.append(info.id)
    return warmed


def course_model_in_use(course_id: str) -> CourseModel | None:
    """The model the last access check of this course built or found (None if none yet).

    For reading back right after a service call in the same request, which has checked access and
    loaded this model already.
    """
    return _cache.get(course_id)
