"""The skill map drawn as a graph: skills in rows by depth, a line from each skill to the skills it builds on.

The layout is the layered drawing of Sugiyama, Tagawa and Toda (1981), "Methods for visual understanding
of hierarchical system structures", IEEE SMC 11(2): the layers are given (a skill's depth, the longest
prerequisite chain below it, so every line runs downwards), and the order within each layer is improved by
the barycentre heuristic of the same paper: alternately top-down and bottom-up, each skill moves to the
mean position of its neighbours in the layer just placed, which removes most crossings in a few sweeps.

Made to fit a phone: a layer wider than ``per_row`` skills wraps onto several rows, so the drawing is at
most ``per_row`` nodes wide and scales down to a 390-pixel screen with labels that stay legible. Each node
carries the skill's full name and state for a screen reader and as a tooltip; the label under it is cut
to ``label_chars``. A course with more than ``max_skills`` skills is not drawn (the list shows them all):
a drawing of a thousand skills helps nobody.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

SPACING_X = 64
"""Horizontal distance between node centres, in the drawing's units (pixels at full size)."""
SPACING_Y = 66
"""Vertical distance between rows."""
MARGIN = 34
RADIUS = 15
SWEEPS = 4


@dataclass(frozen=True)
class GraphNode:
    skill_id: str
    name: str
    label: str
    """The name as drawn under the node, cut to fit."""
    state: str
    state_label: str
    icon: str
    x: float
    y: float


@dataclass(frozen=True)
class GraphEdge:
    prerequisite: str
    skill_id: str
    path: str
    """SVG path data: a curve from the bottom of the prerequisite to the top of the skill."""


@dataclass(frozen=True)
class MapGraph:
    width: float
    height: float
    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]


class GraphSkill(Protocol):
    """What the drawing needs of a skill (``selectors.MapSkill`` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def state(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def icon(self) -> str: ...
    @property
    def depth(self) -> int: ...


def cut_label(name: str, chars: int) -> str:
    """``name`` cut at a word boundary to at most ``chars`` characters, with an ellipsis when cut."""
    if len(name) <= chars:
        return name
    head = name[: chars - 1]
    # Keep the last word when the cut falls just after it.
    words = (head if name[chars - 1] == " " else head.rsplit(" ", 1)[0]).rstrip(" ,;:-")
    return (words if len(words) >= chars // 2 else name[: chars - 1].rstrip()) + "…"


def _order_layers(layers: list[list[str]], prerequisites: Callable[[str], Sequence[str]]) -> list[list[str]]:
    """Reorder each layer by the barycentre of its neighbours, alternately downwards and upwards."""
    dependents: dict[str, list[str]] = {s: [] for layer in layers for s in layer}
    for layer in layers:
        for skill in layer:
            for prerequisite in prerequisites(skill):
                if prerequisite in dependents:
                    dependents[prerequisite].append(skill)
    position = {s: float(i) for layer in layers for i, s in enumerate(layer)}

    def sweep(indices: range, neighbours: Callable[[str], Sequence[str]]) -> None:
        for index in indices:
            layer = layers[index]
            keys = {}
            for rank, skill in enumerate(layer):
                near = [position[n] for n in neighbours(skill) if n in position]
                # A skill with no neighbour in the placed layer keeps its place.
                keys[skill] = (sum(near) / len(near) if near else position[skill], rank)
            layer.sort(key=keys.__getitem__)
            for i, skill in enumerate(layer):
                position[skill] = float(i)

    for _ in range(SWEEPS):
        sweep(range(1, len(layers)), prerequisites)
        sweep(range(len(layers) - 2, -1, -1), lambda s: dependents[s])
    return layers


def map_graph(
    skills: Sequence[GraphSkill],
    prerequisites: Callable[[str], Sequence[str]],
    *,
    per_row: int = 6,
    label_chars: int = 11,
    max_skills: int = 200,
) -> MapGraph | None:
    """Lay out ``skills`` (in prerequisite order, each with its ``depth``) as a layered drawing; ``None``
    when there are none or more than ``max_skills``."""
    if not skills or len(skills) > max_skills:
        return None
    by_id = {s.id: s for s in skills}
    depth_layers: dict[int, list[str]] = {}
    for skill in skills:
        depth_layers.setdefault(skill.depth, []).append(skill.id)
    layers = _order_layers([depth_layers[d] for d in sorted(depth_layers)], prerequisites)
    rows = [layer[start : start + per_row] for layer in layers for start in range(0, len(layer), per_row)]
    columns = max(len(row) for row in rows)
    width = 2 * MARGIN + (columns - 1) * SPACING_X
    nodes = []
    place: dict[str, tuple[float, float]] = {}
    for r, row in enumerate(rows):
        left = (width - (len(row) - 1) * SPACING_X) / 2
        y = MARGIN + r * SPACING_Y
        for c, skill_id in enumerate(row):
            skill = by_id[skill_id]
            x = left + c * SPACING_X
            place[skill_id] = (x, y)
            nodes.append(
                GraphNode(
                    skill_id=skill_id,
                    name=skill.name,
                    label=cut_label(skill.name, label_chars),
                    state=skill.state,
                    state_label=skill.label,
                    icon=skill.icon,
                    x=x,
                    y=y,
                )
            )
    edges = []
    for skill in skills:
        x2, y2 = place[skill.id]
        for prerequisite in prerequisites(skill.id):
            if prerequisite not in place:
                continue
            x1, y1 = place[prerequisite]
            # From just under the prerequisite's label to the top of the skill's circle.
            start, end = y1 + RADIUS + 14, y2 - RADIUS
            bend = max((end - start) / 2, 8)
            edges.append(
                GraphEdge(
                    prerequisite=prerequisite,
                    skill_id=skill.id,
                    path=f"M{x1:g} {start:g} C{x1:g} {start + bend:g} {x2:g} {end - bend:g} {x2:g} {end:g}",
                )
            )
    height = 2 * MARGIN + (len(rows) - 1) * SPACING_Y + 14
    return MapGraph(width=width, height=height, nodes=tuple(nodes), edges=tuple(edges))


def crossings(graph: MapGraph) -> int:
    """How many pairs of lines between the same two rows cross (for tests and the layout's checks)."""
    at = {n.skill_id: (n.x, n.y) for n in graph.nodes}
    count = 0
    spans = [(at[e.prerequisite], at[e.skill_id]) for e in graph.edges]
    for i, ((ax1, ay1), (ax2, ay2)) in enumerate(spans):
        for (bx1, by1), (bx2, by2) in spans[i + 1 :]:
            if (ay1, ay2) == (by1, by2) and (ax1 - bx1) * (ax2 - bx2) < 0:
                count += 1
    return count
