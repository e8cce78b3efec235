"""SkillGraph: validation, orders, closures, depth and readiness on a small fractions/decimals graph."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from learnpath.engine.skill_graph import Skill, SkillGraph

SKILLS = [
    ("frac", "Fractions"),
    ("place", "Place value"),
    ("dec", "Decimals"),
    ("pct", "Percentages"),
    ("ratio", "Ratios"),
]
EDGES = [("frac", "dec"), ("place", "dec"), ("dec", "pct"), ("frac", "ratio")]


@pytest.fixture
def graph() -> SkillGraph:
    return SkillGraph.build(SKILLS, EDGES)


def test_golden_orders_and_closures(graph: SkillGraph) -> None:
    assert graph.topological_order() == ("frac", "place", "dec", "pct", "ratio")
    assert graph.prerequisites("dec") == ("frac", "place")
    assert graph.dependents("frac") == ("dec", "ratio")
    assert graph.ancestors("pct") == ("frac", "place", "dec")
    assert graph.descendants("frac") == ("dec", "pct", "ratio")
    assert [graph.depth(s) for s in graph.skill_ids] == [0, 0, 1, 2, 1]
    assert graph.name("pct") == "Percentages"
    assert "dec" in graph
    assert "nope" not in graph
    assert len(graph) == 5


def test_readiness(graph: SkillGraph) -> None:
    assert graph.ready_skills(set()) == ("frac", "place")
    assert graph.ready_skills({"frac"}) == ("place", "ratio")
    assert graph.ready_skills({"frac", "place"}) == ("dec", "ratio")
    assert not graph.is_ready("dec", {"frac"})
    assert graph.unmet_prerequisites("dec", {"frac"}) == ("place",)
    assert graph.is_ready("frac", set())


def test_cycle_is_named() -> None:
    with pytest.raises(ValueError, match=r"cycle: a -> b -> c -> a"):
        SkillGraph.build([("a", "A"), ("b", "B"), ("c", "C")], [("a", "b"), ("b", "c"), ("c", "a")])


def test_cycle_behind_a_tail_is_named_without_the_tail() -> None:
    skills = [("root", "Root"), ("x", "X"), ("y", "Y"), ("z", "Z")]
    with pytest.raises(ValueError, match=r"cycle: x -> y -> x$"):
        SkillGraph.build(skills, [("root", "x"), ("x", "y"), ("y", "x"), ("y", "z")])


@pytest.mark.parametrize(
    ("skills", "edges", "message"),
    [
        ([("a", "A"), ("a", "A again")], [], "appears twice"),
        ([("a", "A")], [("a", "b")], "unknown skill 'b'"),
        ([("a", "A")], [("a", "a")], "its own prerequisite"),
        ([("a", "A"), ("b", "B")], [("a", "b"), ("a", "b")], "appears twice"),
    ],
)
def test_invalid_graphs_are_refused(
    skills: list[tuple[str, str]], edges: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        SkillGraph.build(skills, edges)


def test_empty_names_and_unknown_lookups_are_refused(graph: SkillGraph) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        Skill(id="", name="x")
    with pytest.raises(KeyError, match="unknown skill"):
        graph.prerequisites("nope")


def test_round_trip_and_version_check(graph: SkillGraph) -> None:
    document = graph.to_dict()
    assert SkillGraph.from_dict(document) == graph
    with pytest.raises(ValueError, match="unsupported format version"):
        SkillGraph.from_dict({**document, "version": 99})
    with pytest.raises(ValueError, match="expected a serialised 'SkillGraph'"):
        SkillGraph.from_dict({**document, "model": "Other"})


@st.composite
def dags(draw: st.DrawFn) -> SkillGraph:
    """Random DAGs: edges only from earlier to later in a hidden order, skills given shuffled."""
    n = draw(st.integers(min_value=1, max_value=12))
    hidden = [f"s{i}" for i in range(n)]
    pairs = [(hidden[i], hidden[j]) for i in range(n) for j in range(i + 1, n)]
    edges = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    given_order = draw(st.permutations(hidden))
    return SkillGraph.build([(s, s.upper()) for s in given_order], edges)


@given(dags())
def test_topological_order_respects_every_edge(graph: SkillGraph) -> None:
    position = {s: i for i, s in enumerate(graph.topological_order())}
    assert sorted(position) == sorted(graph.skill_ids)
    for prerequisite, dependent in graph.edges:
        assert position[prerequisite] < position[dependent]


@given(dags())
def test_closures_and_depth_agree(graph: SkillGraph) -> None:
    for skill in graph.skill_ids:
        for ancestor in graph.ancestors(skill):
            assert skill in graph.descendants(ancestor)
        expected = 1 + max((graph.depth(p) for p in graph.prerequisites(skill)), default=-1)
        assert graph.depth(skill) == expected
        assert graph.is_ready(skill, set(graph.ancestors(skill)))


@given(dags())
def test_round_trip_property(graph: SkillGraph) -> None:
    again = SkillGraph.from_dict(graph.to_dict())
    assert again == graph
    assert again.topological_order() == graph.topological_order()
