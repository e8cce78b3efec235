"""Issue 10: placement believes a learner who knows a skill without its prerequisite; harder populations."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from learnpath.engine.knowledge_states import LeakyStateModel
from learnpath.engine.placement import Outcome, Placement, PlacementConfig, PlacementItem, run_placement
from learnpath.engine.simulate import (
    POPULATIONS,
    LogitNormal,
    Population,
    SimulatedCourse,
    SkillParameters,
    SyntheticLearner,
    draw_learners,
    missing_prerequisites,
    placement_trial,
)
from learnpath.engine.skill_graph import SkillGraph

# A -> B: adding before multiplying. On a large map two adjacent skills sit a level apart; the default
# offsets would put the two at opposite ends of the map (-2 and +2), so they are given as two neighbours.
PAIR = SkillGraph.build([("A", "Adding"), ("B", "Multiplying")], [("A", "B")])
PAIR_ITEMS = tuple(PlacementItem(f"{s}#{k}", s, p_slip=0.1, p_guess=0.2) for s in "AB" for k in range(3))
NEIGHBOURS = {"A": 0.0, "B": 0.1}


def pair_after(config: PlacementConfig, right_on_b: int, wrong_on_a: int) -> dict[str, float]:
    placement = Placement(PAIR, PAIR_ITEMS, config, skill_offsets=NEIGHBOURS)
    state = placement.start(random_state=1)
    for k in range(right_on_b):
        state = placement.record(state, f"B#{k}", "correct")
    for k in range(wrong_on_a):
        state = placement.record(state, f"A#{k}", "wrong")
    return placement.p_known(state)


def test_a_learner_who_knows_b_but_not_its_prerequisite_a_is_believed() -> None:
    # Three right answers on B, two wrong on A. The closed model (every state holds A below B) had to
    # choose between "B's answers were guesses" and "A's were slips", and sat on the fence (0.5 / 0.5).
    p = pair_after(PlacementConfig(particles=1000), right_on_b=3, wrong_on_a=2)
    assert p["A"] < 0.2
    assert p["B"] > 0.8


def test_a_scripted_learner_who_knows_b_without_a_is_placed_so() -> None:
    # answers every question on B right and every one on A wrong, whatever placement asks
    placement = Placement(PAIR, PAIR_ITEMS, PlacementConfig(particles=1000), skill_offsets=NEIGHBOURS)
    state = run_placement(
        placement,
        lambda q: Outcome.CORRECT if q.skill_id == "B" else Outcome.WRONG,
        random_state=4,
    )
    assert {a.skill_id for a in state.answers} == {"A", "B"}
    p = placement.p_known(state)
    assert p["A"] < 0.5 < p["B"]
    assert "A" not in placement.result(state).placed_known


def test_the_closed_model_is_kept_as_leak_and_gap_zero() -> None:
    closed = PlacementConfig(particles=1000, prerequisite_leak=0.0, skill_gap=0.0)
    p = pair_after(closed, right_on_b=3, wrong_on_a=2)
    assert p["A"] >= p["B"] - 1e-9  # every sampled state holds A below B
    assert p["A"] > 0.4


def test_a_right_answer_still_raises_the_prerequisites() -> None:
    before = pair_after(PlacementConfig(particles=1000), 0, 0)
    after = pair_after(PlacementConfig(particles=1000), 1, 0)
    assert after["A"] > before["A"] + 0.03


def test_configs_round_trip_and_older_documents_mean_the_closed_model() -> None:
    config = PlacementConfig(prerequisite_leak=0.2, skill_gap=0.07)
    assert PlacementConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    older = config.to_dict()
    del older["prerequisite_leak"], older["skill_gap"]
    loaded = PlacementConfig.from_dict(older)
    assert (loaded.prerequisite_leak, loaded.skill_gap) == (0.0, 0.0)
    with pytest.raises(ValueError, match="prerequisite_leak"):
        PlacementConfig(prerequisite_leak=1.0)


# b and c share the dependent d (co-prerequisites), so the colour classes matter
DIAMOND = SkillGraph.build(
    [(c, c) for c in "abcde"], [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("d", "e")]
)


def exact_marginals(model: LeakyStateModel, log_ratio: np.ndarray, leak: float) -> np.ndarray:
    """P(K_s = 1 | answers) by enumerating every state and grid point."""
    total, weighted = 0.0, np.zeros(model.n_skills)
    for bits in itertools.product([0, 1], repeat=model.n_skills):
        state = np.array(bits, dtype=bool)
        for t in range(len(model.grid)):
            log_p = model.log_prior[t] + float(log_ratio @ state)
            for s in range(model.n_skills):
                prerequisites = model.prerequisites[s]
                p = model.p1[t, s] * (1.0 if state[prerequisites].all() else leak)
                log_p += np.log(p if state[s] else 1.0 - p)
            total += np.exp(log_p)
            weighted += np.exp(log_p) * state
    out: np.ndarray = weighted / total
    return out


def test_the_leaky_sampler_targets_the_exact_posterior() -> None:
    offsets = np.array([-1.0, 0.0, 0.3, 1.0, 1.5])
    model = LeakyStateModel(
        DIAMOND, offsets=offsets, prior_sd=1.5, slope=1.7, leak=0.2, gap=0.05, grid_size=9
    )
    log_ratio = np.array([-2.0, 0.0, 1.0, 2.5, -0.5])
    exact = exact_marginals(model, log_ratio, 0.2)
    rng = np.random.default_rng(0)
    prior = model.sample_prior(200_000, rng)
    prior_exact = exact_marginals(model, np.zeros(5), 0.2)
    assert np.abs(prior.known.mean(axis=1) - prior_exact).max() < 0.01
    chains = model.sample_prior(4000, rng)
    total, kept = np.zeros(5), 0
    for sweep in range(200):
        chains = model.move(chains, log_ratio, rng, reverse=sweep % 2 == 1)
        if sweep >= 50:
            total += chains.known.mean(axis=1)
            kept += 1
    assert np.abs(total / kept - exact).max() < 0.02


# -- populations ------------------------------------------------------------------------------------------

# a layered graph of 60 skills: each skill beyond the first layer builds on one or two of the layer below
_rng = np.random.default_rng(42)
_LAYERS = [[f"L{layer}s{k}" for k in range(10)] for layer in range(6)]
_EDGES = {
    (str(_rng.choice(_LAYERS[layer - 1])), skill)
    for layer in range(1, 6)
    for skill in _LAYERS[layer]
    for _ in range(int(_rng.integers(1, 3)))
}
LAYERED = SkillGraph.build([(s, s) for layer in _LAYERS for s in layer], sorted(_EDGES))


def broken_share(graph: SkillGraph, learners: list[SyntheticLearner]) -> float:
    known = [s for x in learners for s in x.known()]
    lacking = [
        s for x in learners for s in x.known() if any(p not in x.known() for p in graph.prerequisites(s))
    ]
    return len(lacking) / max(len(known), 1)


def test_populations_are_named_and_round_trip() -> None:
    assert {"default", "broken-prerequisites", "noisy"} <= set(POPULATIONS)
    base = Population()
    for name in POPULATIONS:
        population = base.named(name)
        assert population.name == name
        assert Population.from_dict(json.loads(json.dumps(population.to_dict()))) == population
    with pytest.raises(ValueError, match="unknown population"):
        base.named("nobody")
    older = base.to_dict()
    for key in (
        "name",
        "items_per_skill",
        "item_slip_range",
        "item_guess_range",
        "broken_share",
        "broken_kind",
    ):
        del older[key]
    assert Population.from_dict(older) == base


def test_default_learners_respect_the_graph_and_broken_ones_lack_ten_percent() -> None:
    base = Population()
    _, default = draw_learners(LAYERED, base, 150, random_state=3)
    assert broken_share(LAYERED, default) == 0.0
    for name, low in (("broken-prerequisites", 0.10), ("gaps", 0.10), ("learned-ahead", 0.08)):
        _, broken = draw_learners(LAYERED, base.named(name), 150, random_state=3)
        # each learner is changed until 10 % of what they know lacks a prerequisite, or no skill qualifies
        # (a learner who knows nearly everything has little left to learn ahead)
        assert low <= broken_share(LAYERED, broken) < 0.16, name
        assert sum(bool(missing_prerequisites(LAYERED, x.known())) for x in broken) > 100


def test_learned_ahead_adds_knowledge_and_gaps_remove_it() -> None:
    base = Population()
    _, default = draw_learners(LAYERED, base, 60, random_state=5)
    _, ahead = draw_learners(LAYERED, base.named("learned-ahead"), 60, random_state=5)
    _, gaps = draw_learners(LAYERED, base.named("gaps"), 60, random_state=5)
    # the same random stream up to the breaks: the same learners, then changed
    for plain, more, fewer in zip(default, ahead, gaps, strict=True):
        assert plain.known() <= more.known()
        assert fewer.known() <= plain.known()


def test_noisy_items_have_their_own_slip_and_guess() -> None:
    skills, _ = draw_learners(LAYERED, Population().named("noisy"), 1, random_state=8)
    assert len(skills.item_skill) == 3 * len(LAYERED)
    assert skills.items("L0s0") == ("L0s0#0", "L0s0#1", "L0s0#2")
    slips = np.array(list(skills.item_slip.values()))
    guesses = np.array(list(skills.item_guess.values()))
    assert slips.min() >= 0.15
    assert slips.max() <= 0.25
    assert guesses.min() >= 0.2
    assert guesses.max() <= 0.3
    assert slips.mean() == pytest.approx(0.2, abs=0.01)
    assert guesses.mean() == pytest.approx(0.25, abs=0.01)
    assert slips.std() > 0.02  # by item, not one value for all
    items = skills.items("L3s4")
    assert len({skills.item_slip[i] for i in items}) == 3
    assert skills.p_slip["L3s4"] == pytest.approx(np.mean([skills.item_slip[i] for i in items]))
    plain, _ = draw_learners(LAYERED, Population(), 1, random_state=8)
    assert all(plain.item_slip[i] == plain.p_slip[s] for i, s in plain.item_skill.items())


def test_ask_and_practise_use_the_item_named() -> None:
    graph = SkillGraph.build([("s", "S")])
    skills = SkillParameters(
        p_slip={"s": 0.2},
        p_guess={"s": 0.2},
        p_learn={"s": 0.0},
        item_skill={"s#0": "s", "s#1": "s"},
        item_slip={"s#0": 0.0, "s#1": 0.45},
        item_guess={"s#0": 0.0, "s#1": 0.45},
    )
    learner = SyntheticLearner(0, 1.0, {"s": True}, {"s": 1e9}, {"s": 0.0})
    course = SimulatedCourse(graph, skills, Population(), learner, np.random.default_rng(0))
    exact = [course.ask("s", "s#0") for _ in range(300)]
    noisy = [course.ask("s", "s#1") for _ in range(2000)]
    plain = [course.ask("s") for _ in range(2000)]
    assert all(o == "correct" for o in exact)
    assert np.mean([o == "correct" for o in noisy]) == pytest.approx(0.55, abs=0.04)
    assert np.mean([o == "correct" for o in plain]) == pytest.approx(0.8, abs=0.03)
    assert all(course.practise("s", "s#0") for _ in range(50))
    with pytest.raises(ValueError, match="not a simulated item"):
        course.ask("s", "t#0")


def test_a_trial_counts_missing_prerequisites_placed_as_known() -> None:
    exact = Population(
        p_slip=LogitNormal(-12.0, 0.0), p_guess=LogitNormal(-12.0, 0.0), prior_stability_days=1e9
    )
    skills, learners = draw_learners(PAIR, exact, 1, random_state=0)
    learner = learners[0]
    learner.learned = {"A": False, "B": True}
    items = tuple(PlacementItem(i, s, 0.1, 0.2) for i, s in skills.item_skill.items())
    course = SimulatedCourse(PAIR, skills, exact, learner, np.random.default_rng(0))
    order = ("B#0", "B#1", "B#2", "A#0", "A#1", "A#2")
    trial = placement_trial(
        Placement(PAIR, items, PlacementConfig(particles=1000), NEIGHBOURS),
        course,
        strategy=order,
        random_state=0,
    )
    assert trial.missing == frozenset({"A"})
    assert trial.missing_placed_known == frozenset()
    assert trial.accuracy[-1] == 1.0
    closed = Placement(
        PAIR, items, PlacementConfig(particles=1000, prerequisite_leak=0.0, skill_gap=0.0), NEIGHBOURS
    )
    course = SimulatedCourse(PAIR, skills, exact, learner, np.random.default_rng(0))
    assert placement_trial(closed, course, strategy=order, random_state=0).accuracy[-1] < 1.0
