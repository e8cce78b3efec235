"""Placement: propagation on the graph, stopping, pause and resume, "I haven't learned this yet", seeding."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from learnpath.engine.irt import AbilityPlacement, AbilityState, Item2PL, p_correct, run_ability_test
from learnpath.engine.mastery import Evidence, SkillProgress
from learnpath.engine.placement import (
    Outcome,
    Placement,
    PlacementConfig,
    PlacementItem,
    PlacementResult,
    PlacementState,
    StopReason,
    run_placement,
    seed_progress,
)
from learnpath.engine.skill_graph import SkillGraph

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# place -> add -> mult -> frac -> dec ; place -> count -> frac
GRAPH = SkillGraph.build(
    [
        ("place", "Place value"),
        ("add", "Adding"),
        ("mult", "Multiplying"),
        ("count", "Counting"),
        ("frac", "Fractions"),
        ("dec", "Decimals"),
    ],
    [
        ("place", "add"),
        ("add", "mult"),
        ("mult", "frac"),
        ("place", "count"),
        ("count", "frac"),
        ("frac", "dec"),
    ],
)
ITEMS = tuple(PlacementItem(f"q-{s}", s, p_slip=0.1, p_guess=0.2) for s in GRAPH.skill_ids)
CONFIG = PlacementConfig(max_questions=6, particles=600)
PLACEMENT = Placement(GRAPH, ITEMS, CONFIG)


def after(*answers: tuple[str, str]) -> dict[str, float]:
    state = PLACEMENT.start(random_state=3)
    for skill, outcome in answers:
        state = PLACEMENT.record(state, f"q-{skill}", outcome)
    return PLACEMENT.p_known(state)


def test_a_right_answer_makes_the_prerequisites_likely_known() -> None:
    before, right = after(), after(("frac", "correct"))
    for prerequisite in GRAPH.ancestors("frac"):
        assert right[prerequisite] > before[prerequisite]
        assert right[prerequisite] >= right["frac"] - 1e-9  # a prerequisite is at least as likely known


def test_a_wrong_answer_makes_what_builds_on_it_likely_unknown() -> None:
    before, wrong = after(), after(("add", "wrong"))
    for dependent in GRAPH.descendants("add"):
        assert wrong[dependent] < before[dependent] - 0.05
        assert wrong[dependent] <= wrong["add"] + 1e-9


def test_i_havent_learned_this_yet_is_stronger_evidence_than_a_wrong_answer() -> None:
    wrong, not_learned = after(("mult", "wrong")), after(("mult", "not_learned"))
    assert not_learned["mult"] < wrong["mult"]
    assert not_learned["mult"] < 0.1
    assert not_learned["dec"] <= wrong["dec"] + 1e-9


def test_stops_at_the_cap() -> None:
    capped = Placement(GRAPH, ITEMS, PlacementConfig(max_questions=2, particles=300, min_gain=0.0))
    state = run_placement(capped, lambda q: Outcome.CORRECT, random_state=1)
    assert len(state.answers) == 2
    assert capped.stop_reason(state) is StopReason.CAP
    assert capped.next_question(state) is None


def test_stops_when_confident_before_the_cap() -> None:
    sure = Placement(GRAPH, ITEMS, PlacementConfig(max_questions=6, particles=400, known_threshold=0.6))
    state = run_placement(sure, lambda q: Outcome.CORRECT, random_state=1)
    assert len(state.answers) < 6
    assert sure.stop_reason(state) in (StopReason.CONFIDENT, StopReason.LITTLE_TO_GAIN)


def test_a_flat_course_asks_before_it_places_anyone() -> None:
    # Skills with no prerequisites: before this was fixed, the prior put every skill above the "known"
    # threshold, so most placements stopped "confident" without a single question.
    flat = SkillGraph.build([(f"s{k}", f"Skill {k}") for k in range(6)], [])
    items = tuple(PlacementItem(f"q{k}", f"s{k}", p_slip=0.1, p_guess=0.2) for k in range(6))
    placement = Placement(flat, items, PlacementConfig(max_questions=6, particles=400))
    for seed in range(8):
        state = placement.start(random_state=seed)
        prior = placement.p_known(state)
        assert all(0.2 < p < 0.8 for p in prior.values()), prior
        assert placement.stop_reason(state) is None
        assert placement.next_question(state) is not None
        assert len(run_placement(placement, lambda q: Outcome.WRONG, random_state=seed).answers) >= 1
    # Even a prior sure of everything waits for one answer before it calls itself confident.
    offsets = {f"s{k}": -6.0 for k in range(6)}
    sure = Placement(flat, items, PlacementConfig(max_questions=6, particles=400), skill_offsets=offsets)
    start = sure.start(random_state=0)
    assert min(sure.p_known(start).values()) > 0.85
    assert sure.stop_reason(start) is None
    assert sure.next_question(start) is not None


def test_pause_and_resume_equals_an_uninterrupted_run() -> None:
    truth = {"place", "add", "count"}

    def answer(question: object) -> Outcome:
        skill = question.skill_id  # type: ignore[attr-defined]
        return Outcome.CORRECT if skill in truth else Outcome.WRONG

    whole = run_placement(PLACEMENT, answer, random_state=11)
    first = PLACEMENT.start(random_state=11)
    for _ in range(2):
        question = PLACEMENT.next_question(first)
        assert question is not None
        first = PLACEMENT.record(first, question.item_id, answer(question))
    stored = json.loads(json.dumps(first.to_dict()))
    fresh = Placement(GRAPH, ITEMS, CONFIG)  # a new process: nothing cached
    resumed = run_placement(fresh, answer, random_state=0, state=PlacementState.from_dict(stored))
    assert resumed == whole
    assert fresh.p_known(resumed) == PLACEMENT.p_known(whole)


def test_an_oracle_learner_is_placed_right_with_exact_items() -> None:
    exact = tuple(PlacementItem(f"q-{s}", s, p_slip=0.0, p_guess=0.0) for s in GRAPH.skill_ids)
    placement = Placement(GRAPH, exact, PlacementConfig(max_questions=6, particles=800))
    for truth in ({"place"}, {"place", "add", "mult"}, {"place", "count"}, set(GRAPH.skill_ids), set()):
        state = run_placement(
            placement,
            lambda q, t=truth: Outcome.CORRECT if q.skill_id in t else Outcome.WRONG,
            random_state=5,
        )
        result = placement.result(state)
        assert {s for s, p in result.p_known.items() if p >= 0.5} == truth


# Nearly exact items on a map whose prerequisites nearly always hold (leak 0.05): one right answer on
# Decimals places what it builds on. With the default leak (0.4) one answer is not enough for that.
SURE = Placement(
    GRAPH,
    tuple(PlacementItem(f"q-{s}", s, 0.02, 0.02) for s in GRAPH.skill_ids),
    PlacementConfig(max_questions=6, particles=600, known_threshold=0.8, prerequisite_leak=0.05),
)


def test_result_reasons_say_why() -> None:
    state = SURE.start(random_state=3)
    state = SURE.record(state, "q-dec", "correct")
    result = SURE.result(state)
    assert "place" in result.placed_known
    assert result.reasons["dec"] == "Placed as known: you answered Decimals correctly."
    assert result.reasons["frac"].startswith(
        "Placed as known: you answered Decimals correctly, and it builds on"
    )
    other = SURE.record(SURE.start(random_state=3), "q-place", "not_learned")
    reasons = SURE.result(other).reasons
    assert reasons["place"] == "To learn: you said you haven't learned Place value yet."
    assert PlacementResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_seeding_never_takes_mastery_away() -> None:
    state = PLACEMENT.record(PLACEMENT.start(random_state=3), "q-place", "not_learned")
    result = PLACEMENT.result(state)
    assert "place" in result.placed_not_known
    mastered = SkillProgress(skill_id="place", p_mastered=0.97, evidence=Evidence(5, 3), mastered_at=NOW)
    seeded = seed_progress(result, now=NOW, existing={"place": mastered})
    assert seeded["place"].is_mastered
    assert seeded["place"].lapsed  # review due, never "not yet"
    assert seeded["place"].mastered_at == NOW
    known = PLACEMENT.result(PLACEMENT.record(PLACEMENT.start(random_state=3), "q-dec", "correct"))
    for skill in known.placed_known:
        assert seed_progress(known, now=NOW)[skill].is_mastered


def test_unknown_items_and_bad_configs_are_refused() -> None:
    with pytest.raises(KeyError):
        PLACEMENT.record(PLACEMENT.start(random_state=1), "nope", "correct")
    with pytest.raises(ValueError, match="unknown skill"):
        Placement(GRAPH, (PlacementItem("x", "nowhere"),))
    with pytest.raises(ValueError, match="known_threshold"):
        PlacementConfig(known_threshold=0.4)
    with pytest.raises(ValueError, match="slip and guess"):
        PlacementItem("x", "place", p_slip=0.7)


@settings(max_examples=15, deadline=None)
@given(
    answers=st.lists(
        st.tuples(st.sampled_from(GRAPH.skill_ids), st.sampled_from(list(Outcome))), min_size=0, max_size=5
    ),
    seed=st.integers(0, 2**31 - 1),
)
def test_probabilities_are_probabilities_and_runs_are_deterministic(
    answers: list[tuple[str, Outcome]], seed: int
) -> None:
    placement = Placement(GRAPH, ITEMS, PlacementConfig(particles=200))
    twin = Placement(GRAPH, ITEMS, PlacementConfig(particles=200))
    state = placement.start(random_state=seed)
    for skill, outcome in answers:
        state = placement.record(state, f"q-{skill}", outcome)
    p = placement.p_known(state)
    assert all(0.0 <= v <= 1.0 for v in p.values())
    assert p == twin.p_known(state)
    question = placement.next_question(state)
    assert question == twin.next_question(state)
    if question is not None:
        assert question.expected_gain >= 0.0


def test_one_dimensional_mode_recovers_ability_and_stops_at_the_standard_error() -> None:
    rng = np.random.default_rng(0)
    bank = tuple(Item2PL(f"i{k}", float(rng.uniform(0.8, 2.0)), float(rng.normal())) for k in range(300))
    test = AbilityPlacement(bank, target_se=0.3, max_items=60)
    errors = []
    for theta in (-1.5, 0.0, 1.0):
        answer_rng = np.random.default_rng(int(theta * 10) + 50)

        def answer(item_id: str, theta: float = theta, answer_rng: np.random.Generator = answer_rng) -> bool:
            item = bank[int(item_id[1:])]
            return bool(answer_rng.random() < p_correct(theta, item.a, item.b))

        state = run_ability_test(test, answer)
        estimate, se = test.estimate(state)
        assert se <= 0.3 or len(state.answers) == 60
        assert len(state.answers) < 40
        errors.append(abs(estimate - theta))
        assert AbilityState.from_dict(json.loads(json.dumps(state.to_dict()))) == state
    assert float(np.mean(errors)) < 0.5


def test_threads_sharing_a_placement_get_the_numbers_one_thread_gets() -> None:
    # A web server's threads share one Placement and its belief cache; more states than the cache holds
    # (256) keep it evicting while the threads read and write it.
    from concurrent.futures import ThreadPoolExecutor

    placement = Placement(GRAPH, ITEMS, PlacementConfig(max_questions=6, particles=200))
    states = []
    for seed in range(150):
        state = placement.start(random_state=seed)
        for skill in ("place", "frac")[: 1 + seed % 2]:
            state = placement.record(state, f"q-{skill}", "correct" if seed % 3 else "wrong")
        states.append(state)
    alone = Placement(GRAPH, ITEMS, PlacementConfig(max_questions=6, particles=200))
    expected = [alone.p_known(state) for state in states]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            assert list(pool.map(placement.p_known, states)) == expected


def test_a_fitted_models_noise_is_made_usable_for_placement() -> None:
    """A fitted BKT may put a skill's guess or slip at its 0.5 bound, which placement refuses: the item is
    told at most MAX_NOISE, and a single choice of n options at least 1 / n as its guess."""
    from learnpath.engine.placement import MAX_NOISE

    with pytest.raises(ValueError, match="slip and guess"):
        PlacementItem("q", "s", p_slip=0.1, p_guess=0.5)
    item = PlacementItem.from_noise("q", "s", 0.5, 0.5)
    assert (item.p_slip, item.p_guess) == (MAX_NOISE, MAX_NOISE)
    assert PlacementItem.from_noise("q", "s", 0.1, 0.2, choices=3).p_guess == pytest.approx(1 / 3)
    assert PlacementItem.from_noise("q", "s", 0.1, 0.2, choices=5).p_guess == 0.2
    assert PlacementItem.from_noise("q", "s", 0.1, 0.2, choices=2).p_guess == 0.45
