"""The skill graph: skills and the prerequisite edges between them, a directed acyclic graph.

An edge ``(prerequisite, dependent)`` says that ``dependent`` builds on ``prerequisite``: a learner is
*ready* for a skill when every one of its prerequisites is mastered (the knowledge-space view of a
curriculum: Doignon & Falmagne, *Knowledge Spaces*, 1999, where the outer fringe of a knowledge state is
the set of items whose prerequisites are all known). Validation refuses unknown skills, duplicate skills,
self-loops and cycles; a cycle is reported by naming it (``a -> b -> c -> a``).

The graph is immutable. Orders are deterministic: the topological order is Kahn's algorithm (Kahn 1962,
"Topological sorting of large networks") taking, among the skills whose prerequisites are all placed,
the one given first.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from learnpath.engine.documents import check_document
from learnpath.engine.graph_cycles import cycles

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Skill:
    """One skill: a stable ``id`` and the ``name`` learners see."""

    id: str
    name: str

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("a skill needs a non-empty id")
        if not self.name:
            raise ValueError(f"skill {self.id!r} needs a non-empty name")


@dataclass(frozen=True)
class SkillGraph:
    """Skills and prerequisite edges ``(prerequisite_id, dependent_id)``; validated on construction."""

    skills: tuple[Skill, ...]
    edges: tuple[tuple[str, str], ...] = ()
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    _prerequisites: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _dependents: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _order: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _depth: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        skills = tuple(self.skills)
        edges = tuple((str(a), str(b)) for a, b in self.edges)
        object.__setattr__(self, "skills", skills)
        object.__setattr__(self, "edges", edges)
        index: dict[str, int] = {}
        for position, skill in enumerate(skills):
            if skill.id in index:
                raise ValueError(f"skill {skill.id!r} appears twice in the skill graph")
            index[skill.id] = position
        prerequisites: dict[str, list[str]] = {skill.id: [] for skill in skills}
        dependents: dict[str, list[str]] = {skill.id: [] for skill in skills}
        for prerequisite, dependent in edges:
            for end in (prerequisite, dependent):
                if end not in index:
                    raise ValueError(
                        f"prerequisite edge {prerequisite!r} -> {dependent!r} names unknown skill {end!r}"
                    )
            if prerequisite == dependent:
                raise ValueError(f"skill {dependent!r} cannot be its own prerequisite")
            if prerequisite in prerequisites[dependent]:
                raise ValueError(f"prerequisite edge {prerequisite!r} -> {dependent!r} appears twice")
            prerequisites[dependent].append(prerequisite)
            dependents[prerequisite].append(dependent)

        def by_position(ids: list[str]) -> tuple[str, ...]:
            return tuple(sorted(ids, key=index.__getitem__))

        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_prerequisites", {k: by_position(v) for k, v in prerequisites.items()})
        object.__setattr__(self, "_dependents", {k: by_position(v) for k, v in dependents.items()})
        order = self._topological_order()
        object.__setattr__(self, "_order", order)
        depth: dict[str, int] = {}
        for skill_id in order:
            depth[skill_id] = 1 + max((depth[p] for p in self._prerequisites[skill_id]), default=-1)
        object.__setattr__(self, "_depth", depth)

    def _topological_order(self) -> tuple[str, ...]:
        """Kahn's algorithm, ties broken by the order skills were given; a cycle raises and is named."""
        waiting = {skill_id: len(prereqs) for skill_id, prereqs in self._prerequisites.items()}
        placed: list[str] = []
        ready = [skill.id for skill in self.skills if waiting[skill.id] == 0]
        while ready:
            skill_id = min(ready, key=self._index.__getitem__)
            ready.remove(skill_id)
            placed.append(skill_id)
            for dependent in self._dependents[skill_id]:
                waiting[dependent] -= 1
                if waiting[dependent] == 0:
                    ready.append(dependent)
        if len(placed) < len(self.skills):
            cycle = self._find_cycle({skill_id for skill_id, count in waiting.items() if count > 0})
            raise ValueError("the prerequisite edges form a cycle: " + " -> ".join(cycle))
        return tuple(placed)

    def _find_cycle(self, stuck: set[str]) -> list[str]:
        """A shortest cycle among ``stuck`` (skills Kahn could not place), its arrows reading "is a
        prerequisite of", starting at the first-given skill of the first cyclic component."""
        edges = {
            skill.id: [d for d in self._dependents[skill.id] if d in stuck]
            for skill in self.skills
            if skill.id in stuck
        }
        return cycles(edges)[0]

    # -- lookups ---------------------------------------------------------------------------------------

    @property
    def skill_ids(self) -> tuple[str, ...]:
        """Skill ids in the order given."""
        return tuple(skill.id for skill in self.skills)

    def __contains__(self, skill_id: object) -> bool:
        return skill_id in self._index

    def __len__(self) -> int:
        return len(self.skills)

    def _check(self, skill_id: str) -> None:
        if skill_id not in self._index:
            raise KeyError(f"unknown skill {skill_id!r}")

    def skill(self, skill_id: str) -> Skill:
        """The skill with this id (``KeyError`` if unknown)."""
        self._check(skill_id)
        return self.skills[self._index[skill_id]]

    def name(self, skill_id: str) -> str:
        """The name learners see for this skill."""
        return self.skill(skill_id).name

    def topological_order(self) -> tuple[str, ...]:
        """Every skill after all of its prerequisites; ties in the order the skills were given."""
        return self._order

    def prerequisites(self, skill_id: str) -> tuple[str, ...]:
        """The skills this one builds on directly."""
        self._check(skill_id)
        return self._prerequisites[skill_id]

    def dependents(self, skill_id: str) -> tuple[str, ...]:
        """The skills that build on this one directly."""
        self._check(skill_id)
        return self._dependents[skill_id]

    def ancestors(self, skill_id: str) -> tuple[str, ...]:
        """Every skill this one builds on, directly or not, in topological order."""
        return self._closure(skill_id, self._prerequisites)

    def descendants(self, skill_id: str) -> tuple[str, ...]:
        """Every skill that builds on this one, directly or not, in topological order."""
        return self._closure(skill_id, self._dependents)

    def _closure(self, skill_id: str, step: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
        self._check(skill_id)
        found: set[str] = set()
        frontier = list(step[skill_id])
        while frontier:
            current = frontier.pop()
            if current not in found:
                found.add(current)
                frontier.extend(step[current])
        return tuple(s for s in self._order if s in found)

    def depth(self, skill_id: str) -> int:
        """Length of the longest prerequisite chain below this skill: 0 for a skill with no prerequisites."""
        self._check(skill_id)
        return self._depth[skill_id]

    def is_ready(self, skill_id: str, mastered: Collection[str]) -> bool:
        """True when every prerequisite of ``skill_id`` is in ``mastered`` (vacuously so for a root)."""
        return all(p in mastered for p in self.prerequisites(skill_id))

    def unmet_prerequisites(self, skill_id: str, mastered: Collection[str]) -> tuple[str, ...]:
        """The direct prerequisites of ``skill_id`` not in ``mastered``."""
        return tuple(p for p in self.prerequisites(skill_id) if p not in mastered)

    def ready_skills(self, mastered: Collection[str]) -> tuple[str, ...]:
        """Skills not mastered whose prerequisites all are (the learner's frontier), in topological order."""
        return tuple(s for s in self._order if s not in mastered and self.is_ready(s, mastered))

    # -- serialisation ---------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Versioned JSON-ready dictionary."""
        return {
            "model": "SkillGraph",
            "version": FORMAT_VERSION,
            "skills": [{"id": s.id, "name": s.name} for s in self.skills],
            "edges": [[a, b] for a, b in self.edges],
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> SkillGraph:
        """Inverse of ``to_dict``; validates like the constructor."""
        check_document(document, "SkillGraph", FORMAT_VERSION)
        return cls(
            skills=tuple(Skill(id=str(s["id"]), name=str(s["name"])) for s in document["skills"]),
            edges=tuple((str(a), str(b)) for a, b in document["edges"]),
        )

    @classmethod
    def build(cls, skills: Iterable[tuple[str, str]], edges: Iterable[tuple[str, str]] = ()) -> SkillGraph:
        """Convenience constructor from ``(id, name)`` pairs and ``(prerequisite, dependent)`` pairs."""
        return cls(skills=tuple(Skill(id=i, name=n) for i, n in skills), edges=tuple(edges))
