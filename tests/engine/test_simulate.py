"""The simulator: seeded and reproducible, learning and forgetting as documented, oracles find the truth."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnpath.engine.bkt import BKTParams
from learnpath.engine.placement import Placement, PlacementConfig, PlacementItem
from learnpath.engine.simulate import (
    LearnpathPolicy,
    LinearPolicy,
    LogitNormal,
    OraclePolicy,
    Population,
    SimulatedCourse,
    StreakPolicy,
    draw_learners,
    fixed_form,
    placement_accuracy,
    placement_trial,
    recall_probability,
    run_practice,
)
from learnpath.engine.skill_graph import SkillGraph

GRAPH = SkillGraph.build(
    [(f"s{k}", f"Skill {k}") for k in range(7)],
    [("s0", "s1"), ("s1", "s2"), ("s0", "s3"), ("s3", "s4"), ("s2", "s5"), ("s4", "s5"), ("s5", "s6")],
)
POPULATION = Population()
# Exact answers and no forgetting: what an oracle needs to recover the truth.
EXACT = Population(
    p_slip=LogitNormal(-12.0, 0.0),
    p_guess=LogitNormal(-12.0, 0.0),
    prior_stability_days=1e9,
)


def test_forgetting_curve_is_fsrs() -> None:
    # FSRS: R(t = S) = 0.9 whatever S is, and R falls with time
    assert float(recall_probability(10.0, 10.0)) == pytest.approx(0.9)
    assert float(recall_probability(0.0, 3.0)) == pytest.approx(1.0)
    assert float(recall_probability(30.0, 3.0)) < float(recall_probability(3.0, 3.0))


def test_learners_are_reproducible_from_a_seed() -> None:
    skills_a, learners_a = draw_learners(GRAPH, POPULATION, 5, random_state=7)
    skills_b, learners_b = draw_learners(GRAPH, POPULATION, 5, random_state=7)
    assert skills_a == skills_b
    assert [x.known() for x in learners_a] == [x.known() for x in learners_b]
    _, others = draw_learners(GRAPH, POPULATION, 5, random_state=8)
    assert [x.known() for x in others] != [x.known() for x in learners_a]


def test_prior_knowledge_respects_the_graph_when_nothing_fades() -> None:
    _, learners = draw_learners(GRAPH, EXACT, 40, random_state=1)
    for learner in learners:
        known = learner.known()
        assert all(set(GRAPH.prerequisites(s)) <= known for s in known)
    shares = {len(learner.known()) for learner in learners}
    assert len(shares) > 2  # learners differ


def test_runs_are_reproducible_and_do_not_change_the_learner() -> None:
    skills, learners = draw_learners(GRAPH, POPULATION, 3, random_state=2)
    before = learners[0].known()
    for policy in (LearnpathPolicy(), LearnpathPolicy(follow_policy=False), StreakPolicy(k=3)):
        first = run_practice(GRAPH, skills, POPULATION, learners[0], policy, random_state=9)
        second = run_practice(GRAPH, skills, POPULATION, learners[0], policy, random_state=9)
        assert first == second
        assert learners[0].known() == before


def test_the_simulated_learnpath_runs_the_learner_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulator meets learnpath through the same ``learner_loop.step`` the web calls."""
    from learnpath.engine import learner_loop, simulate

    calls: list[str] = []
    real = learner_loop.step

    def spy(state: Any, event: Any, course: Any) -> Any:
        calls.append(str(event.kind))
        return real(state, event, course)

    monkeypatch.setattr(simulate, "step", spy)
    skills, learners = draw_learners(GRAPH, POPULATION, 1, random_state=2)
    run = run_practice(
        GRAPH, skills, POPULATION, learners[0], LearnpathPolicy(), random_state=3, max_items=20
    )
    assert run.items == 20
    assert calls.count("start") == 20
    assert calls.count("answer") == 20


def test_a_run_counts_the_spaced_reviews_it_served() -> None:
    """``PracticeRun.reviews``: the items learnpath's policy served as reviews, part of ``items``; a
    linear policy never reviews."""
    from learnpath.engine import simulate

    served: list[str] = []
    real = simulate.suggest

    def spy(*args: Any, **kwargs: Any) -> Any:
        ranked = real(*args, **kwargs)
        if ranked:
            served.append(str(ranked[0].kind))
        return ranked

    skills, learners = draw_learners(GRAPH, POPULATION, 1, random_state=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(simulate, "suggest", spy)
        run = run_practice(GRAPH, skills, POPULATION, learners[0], LearnpathPolicy(), random_state=3)
    assert run.reviews == served.count("review") > 0
    assert run.reviews < run.items
    linear = run_practice(GRAPH, skills, POPULATION, learners[0], LinearPolicy(), random_state=3)
    assert linear.reviews == 0


def test_streak_policy_moves_on_after_k_right_in_a_row() -> None:
    skills, learners = draw_learners(GRAPH, EXACT, 1, random_state=4)
    session, _ = StreakPolicy(k=2).start(
        SimulatedCourse(GRAPH, skills, EXACT, learners[0].copy(), np.random.default_rng(0)), random_state=0
    )
    order = GRAPH.topological_order()
    now = datetime(2026, 1, 5, tzinfo=UTC)
    first = session.next_item(now)
    assert first is not None
    assert first[0] == order[0]
    for correct in (True, False, True, True):
        session.observe(order[0], first[1], correct, now)
    second = session.next_item(now)
    assert second is not None
    assert second[0] == order[1]


def test_the_oracle_policy_teaches_everything() -> None:
    skills, learners = draw_learners(GRAPH, EXACT, 5, random_state=3)
    for learner in learners:
        run = run_practice(GRAPH, skills, EXACT, learner, OraclePolicy(), random_state=4)
        assert run.finished
        assert run.final_mastery > 0.9
        # it practises only skills not known yet, so never more items than a long linear sequence
        linear = run_practice(GRAPH, skills, EXACT, learner, LinearPolicy(items_per_skill=30), random_state=4)
        assert run.items <= linear.items


def test_learning_waits_for_prerequisites() -> None:
    population = Population(p_learn=LogitNormal(12.0, 0.0), prerequisite_factor=0.0, learner_speed_sd=0.0)
    skills, learners = draw_learners(GRAPH, population, 1, random_state=0)
    learner = learners[0]
    learner.learned = dict.fromkeys(learner.learned, False)
    course = SimulatedCourse(GRAPH, skills, population, learner, np.random.default_rng(0))
    course.practise("s2")  # prerequisites s0, s1 not learned: nothing learned
    assert not learner.learned["s2"]
    course.practise("s0")
    assert learner.learned["s0"]


def test_an_oracle_answerer_lets_placement_recover_the_ground_truth() -> None:
    skills, learners = draw_learners(GRAPH, EXACT, 6, random_state=5)
    items = tuple(PlacementItem(f"{s}#p", s, p_slip=0.0, p_guess=0.0) for s in GRAPH.skill_ids)
    placement = Placement(GRAPH, items, PlacementConfig(max_questions=7, particles=800))
    for k, learner in enumerate(learners):
        course = SimulatedCourse(GRAPH, skills, EXACT, learner.copy(), np.random.default_rng(k))
        trial = placement_trial(placement, course, strategy="adaptive", random_state=k)
        assert trial.accuracy[-1] == 1.0


def test_strategies_and_fixed_forms() -> None:
    items = tuple(PlacementItem(f"{s}#p", s) for s in GRAPH.skill_ids)
    form = fixed_form(GRAPH, items, 3)
    assert len(form) == 3
    assert len(set(form)) == 3
    skills, learners = draw_learners(GRAPH, POPULATION, 1, random_state=6)
    placement = Placement(GRAPH, items, PlacementConfig(max_questions=3, particles=300))
    for strategy in ("adaptive", "random", form):
        course = SimulatedCourse(GRAPH, skills, POPULATION, learners[0].copy(), np.random.default_rng(1))
        trial = placement_trial(placement, course, strategy=strategy, random_state=1)
        assert trial.questions <= 3
        assert len(trial.accuracy) == trial.questions + 1
    assert placement_accuracy(dict.fromkeys(GRAPH.skill_ids, 1.0), GRAPH.skill_ids, GRAPH.skill_ids) == 1.0


def test_population_round_trips_and_summarises_bkt() -> None:
    fitted = [BKTParams(0.5, 0.1 + 0.01 * k, 0.2, 0.1) for k in range(20)]
    population = Population.from_bkt(fitted, source="test")
    assert 0.1 < population.p_learn.median < 0.3
    assert Population.from_dict(json.loads(json.dumps(population.to_dict()))) == population


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), items_per_skill=st.integers(1, 4))
def test_measures_are_probabilities_and_deterministic(seed: int, items_per_skill: int) -> None:
    skills, learners = draw_learners(GRAPH, POPULATION, 1, random_state=seed)
    policy = LinearPolicy(items_per_skill=items_per_skill)
    run = run_practice(GRAPH, skills, POPULATION, learners[0], policy, random_state=seed)
    assert run.items == items_per_skill * len(GRAPH)
    assert 0.0 <= run.retention_30d <= run.final_mastery <= 1.0
    assert run == run_practice(GRAPH, skills, POPULATION, learners[0], policy, random_state=seed)
