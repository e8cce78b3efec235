"""Issue 11: the skill map also drawn as a graph (prerequisite lines) that fits a phone."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from learnpath.cli.simulate import demo_graph
from learnpath.web.accounts.models import User
from learnpath.web.learning.map_graph import (
    MARGIN,
    SPACING_X,
    GraphEdge,
    MapGraph,
    crossings,
    cut_label,
    map_graph,
)


@dataclass(frozen=True)
class Skill:
    id: str
    name: str
    depth: int
    state: str = "ready"
    label: str = "Ready"
    icon: str = "★"


def layered(prerequisites: dict[str, Sequence[str]]) -> list[Skill]:
    depth: dict[str, int] = {}

    def deep(skill: str) -> int:
        if skill not in depth:
            depth[skill] = 1 + max((deep(p) for p in prerequisites[skill]), default=-1)
        return depth[skill]

    return [Skill(id=s, name=f"Skill {s}", depth=deep(s)) for s in prerequisites]


def test_every_line_runs_down_from_a_prerequisite_to_the_skill_built_on_it() -> None:
    graph = demo_graph()
    skills = [Skill(id=s, name=graph.name(s), depth=graph.depth(s)) for s in graph.topological_order()]
    drawing = map_graph(skills, graph.prerequisites)
    assert drawing is not None
    at = {n.skill_id: n for n in drawing.nodes}
    assert set(at) == set(graph.topological_order())
    assert len(drawing.edges) == len(graph.edges)
    for edge in drawing.edges:
        assert edge.prerequisite in graph.prerequisites(edge.skill_id)
        assert at[edge.prerequisite].y < at[edge.skill_id].y
    # Nothing outside the drawing, no two nodes on one spot.
    assert all(
        MARGIN <= n.x <= drawing.width - MARGIN and MARGIN <= n.y <= drawing.height for n in drawing.nodes
    )
    assert len({(n.x, n.y) for n in drawing.nodes}) == len(drawing.nodes)


def test_a_wide_layer_wraps_so_the_drawing_stays_phone_narrow() -> None:
    prerequisites: dict[str, list[str]] = {"root": []}
    prerequisites.update({f"leaf{k}": ["root"] for k in range(14)})
    drawing = map_graph(layered(prerequisites), lambda s: prerequisites[s], per_row=6)
    assert drawing is not None
    assert drawing.width == 2 * MARGIN + 5 * SPACING_X
    rows = sorted({n.y for n in drawing.nodes})
    assert len(rows) == 1 + 3  # the root, then 14 leaves in rows of 6, 6 and 2
    # Drawn at 390 px wide (a phone), a node is still at least 40 px from the next.
    assert SPACING_X * 390 / drawing.width >= 40


def test_the_barycentre_order_removes_the_crossings_of_the_given_order() -> None:
    # Given in an order that crosses every line: a-b-c above, their dependents listed in reverse.
    prerequisites: dict[str, list[str]] = {"a": [], "b": [], "c": [], "zc": ["c"], "zb": ["b"], "za": ["a"]}
    drawing = map_graph(layered(prerequisites), lambda s: prerequisites[s])
    assert drawing is not None
    assert crossings(drawing) == 0
    x = {n.skill_id: n.x for n in drawing.nodes}
    assert (x["a"] < x["b"] < x["c"]) == (x["za"] < x["zb"] < x["zc"])


def test_the_demo_course_drawing_has_few_crossings() -> None:
    graph = demo_graph()
    skills = [Skill(id=s, name=graph.name(s), depth=graph.depth(s)) for s in graph.topological_order()]
    drawing = map_graph(skills, graph.prerequisites)
    unordered = map_graph(skills, lambda s: ())  # same rows, lines ignored while ordering
    assert drawing is not None
    assert unordered is not None
    # The crossings of the given order: the real lines drawn on the layout ordered without them.
    naive = MapGraph(
        unordered.width,
        unordered.height,
        unordered.nodes,
        tuple(GraphEdge(p, s, "") for s in graph.topological_order() for p in graph.prerequisites(s)),
    )
    assert crossings(drawing) < crossings(naive)


def test_labels_are_cut_at_a_word_with_an_ellipsis() -> None:
    assert cut_label("Adding fractions with unlike denominators", 11) == "Adding…"
    assert cut_label("Adding and subtracting", 11) == "Adding and…"
    assert cut_label("Fractions", 11) == "Fractions"
    assert cut_label("Supercalifragilistic", 11) == "Supercalif…"


def test_no_drawing_for_an_empty_or_a_very_large_course() -> None:
    assert map_graph([], lambda s: ()) is None
    many = [Skill(id=f"s{k}", name=f"S{k}", depth=0) for k in range(201)]
    assert map_graph(many, lambda s: (), max_skills=200) is None


# -- the page ------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _clock(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    settings.LEARNPATH_CLOCK_OFFSET_DAYS = 0


def test_the_course_home_draws_every_skill_and_prerequisite_line(
    client_of: Callable[[User], Client], learner: User, course: str
) -> None:
    page = client_of(learner).get(f"/learn/{course}/").content.decode()
    drawing = re.search(r'<details class="map-graph".*?</details>', page, re.S)
    assert drawing is not None, "no graph drawing on the course home"
    svg = drawing.group(0)
    nodes = re.findall(r'<a href="#map-([^"]+)" class="map-graph-node state-(\w+)"', svg)
    listed = re.findall(r'<li class="map-skill state-\w+" id="map-([^"]+)"', page)
    assert nodes
    assert {n for n, _ in nodes} == set(listed)
    lines = re.findall(r'<path d="[^"]+" data-from="([^"]+)" data-to="([^"]+)"', svg)
    assert lines, "no prerequisite lines"
    assert all(a in listed and b in listed for a, b in lines)
    # Every node is named for a screen reader, and no inline style (the CSP forbids it).
    assert len(
        re.findall(r'class="map-graph-node[^"]*" data-skill="[^"]+" aria-label="[^"]+: [^"]+"', svg)
    ) == len(nodes)
    assert "style=" not in svg
