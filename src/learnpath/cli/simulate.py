"""``learnpath simulate``: synthetic learners that measure placement and practice (engine/simulate.py).

Sub-commands:

- ``fit``: fit BKT on the ASSISTments 2009 AKT fold 1 training data and write the population summary
  (logit-normal distributions of p_learn, p_slip, p_guess, p_init over skills) that the simulator uses by
  default.
- ``placement``: adaptive placement on simulated learners; last line
  ``placement: <accuracy> with <questions> questions on <skills> skills``.
- ``practice``: items until the course is mastered, learnpath's policy (with and without placement)
  against a fixed linear sequence; last line ``practice: <percent> fewer items than linear``.

Graphs: ``demo`` (the demo course's skill graph) or ``junyi`` (the largest connected part of the Junyi
Academy arithmetic prerequisite graph, read from ../shared/data; see ``junyi_graph``). This module does the
reading; the engine does the rest.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from learnpath.cli.runtime import single_threaded_blas
from learnpath.engine.placement import Placement, PlacementConfig, PlacementItem
from learnpath.engine.simulate import (
    LearnpathPolicy,
    LinearPolicy,
    OraclePolicy,
    Population,
    PracticePolicy,
    PracticeRun,
    SimulatedCourse,
    SkillParameters,
    SyntheticLearner,
    draw_learners,
    placement_trial,
    run_practice,
)
from learnpath.engine.skill_graph import Skill, SkillGraph

SHARED_DATA = Path("../shared/data")
JUNYI_TABLE = SHARED_DATA / "content/junyi/junyi_Exercise_table.csv.gz"
AKT_FOLDS = SHARED_DATA / "kt/assist2009_akt_folds"
POPULATION_FILE = Path(__file__).with_name("simulate_population.json")


# -- graphs --------------------------------------------------------------------------------------------


def demo_graph(*, validate: bool = False) -> SkillGraph:
    """The demo course's skill graph (37 skills), from its ``skills.yaml``.

    The graph needs only the skills, so by default only ``skills.yaml`` is read (``content.yaml_io``);
    ``validate=True`` goes through ``content.pack.load_pack``, which checks the whole pack, items included,
    and takes seconds. The pack's own tests validate it either way.
    """
    from learnpath.content.demo import DEMO_PACK_PATH

    if validate:
        from learnpath.content.pack import load_pack

        pack = load_pack(DEMO_PACK_PATH)
        pairs = [(s.id, s.name, tuple(s.prerequisites)) for s in pack.skills]
    else:
        from learnpath.content.yaml_io import read_yaml

        text = (Path(DEMO_PACK_PATH) / "skills.yaml").read_text(encoding="utf-8")
        rows = read_yaml(text).data
        pairs = [
            (str(r["id"]), str(r["name"]), tuple(str(p) for p in r.get("prerequisites") or ())) for r in rows
        ]
    skills = tuple(Skill(id=i, name=n) for i, n, _ in pairs)
    edges = tuple((p, i) for i, _, prereqs in pairs for p in prereqs)
    return SkillGraph(skills=skills, edges=edges)


def junyi_graph(path: Path = JUNYI_TABLE, *, area: str = "arithmetic") -> SkillGraph:
    """The Junyi prerequisite graph restricted to ``area``, its largest connected part (248 skills).

    Junyi Academy's exercise table (Chang, Hsu & Chen, EDM 2015): ``prerequisites`` lists exercise names,
    comma-separated. Cleaning: a name listed twice keeps its first row; a prerequisite that names no
    exercise (damaged text) or the exercise itself is dropped; an edge that would close a cycle is dropped
    (none does in the 2015 release). Display names are the exercise ids with spaces (the Chinese display
    names are partly damaged in the release).
    """
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.DictReader(stream))
    first: dict[str, dict[str, str]] = {}
    for row in rows:
        first.setdefault(row["name"].strip(), row)
    nodes = [name for name, row in first.items() if row["area"] == area]
    inside = set(nodes)
    edges: list[tuple[str, str]] = []
    for name in nodes:
        for prerequisite in first[name]["prerequisites"].split(","):
            prerequisite = prerequisite.strip()
            if prerequisite in inside and prerequisite != name and (prerequisite, name) not in edges:
                edges.append((prerequisite, name))
    component = _largest_component(nodes, edges)
    kept = [n for n in nodes if n in component]
    kept_edges = _acyclic([(a, b) for a, b in edges if a in component and b in component], kept)
    return SkillGraph.build([(n, n.replace("_", " ")) for n in kept], kept_edges)


def _largest_component(nodes: Sequence[str], edges: Iterable[tuple[str, str]]) -> set[str]:
    neighbours: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    best: set[str] = set()
    seen: set[str] = set()
    for start in nodes:
        if start in seen:
            continue
        part = {start}
        frontier = [start]
        while frontier:
            for other in neighbours[frontier.pop()]:
                if other not in part:
                    part.add(other)
                    frontier.append(other)
        seen |= part
        if len(part) > len(best):
            best = part
    return best


def _acyclic(edges: Sequence[tuple[str, str]], nodes: Sequence[str]) -> list[tuple[str, str]]:
    """Edges in order, dropping any that would close a cycle with those kept before it."""
    kept: list[tuple[str, str]] = []
    reach: dict[str, set[str]] = {n: set() for n in nodes}  # reach[x]: nodes reachable from x

    def reachable(start: str, goal: str) -> bool:
        stack, seen = [start], {start}
        while stack:
            x = stack.pop()
            if x == goal:
                return True
            for y in reach[x]:
                if y not in seen:
                    seen.add(y)
                    stack.append(y)
        return False

    for a, b in edges:
        if not reachable(b, a):
            kept.append((a, b))
            reach[a].add(b)
    return kept


def load_graph(name: str, junyi: Path = JUNYI_TABLE) -> SkillGraph:
    if name == "demo":
        return demo_graph()
    if not junyi.exists():
        raise FileNotFoundError(
            f"the Junyi exercise table is not at {junyi} (see ../shared/data/PROVENANCE.md); "
            "pass --junyi FILE or use --graph demo"
        )
    return junyi_graph(junyi)


# -- population ----------------------------------------------------------------------------------------


def load_population(path: Path | None = None) -> Population:
    """The population fitted by ``learnpath simulate fit`` (shipped beside this module), or ``path``."""
    source = path or POPULATION_FILE
    if not source.exists():
        if path is not None:
            raise FileNotFoundError(f"no population file at {path}")
        return Population()
    return Population.from_dict(json.loads(source.read_text(encoding="utf-8")))


def fit_population(folds: Path = AKT_FOLDS, *, fold: int = 1) -> tuple[Population, dict[str, Any]]:
    """Fit BKT (``bkt.BKT``, EM, 4 restarts) on AKT fold ``fold``'s train + valid data, then summarise."""
    from learnpath.engine.bkt import BKT
    from learnpath.engine.datasets import collapse_multi_skill_rows, read_akt

    names = [f"assist2009_pid_train{fold}.csv.gz", f"assist2009_pid_valid{fold}.csv.gz"]
    paths = [folds / n for n in names]
    with contextlib.ExitStack() as stack:
        streams = [stack.enter_context(gzip.open(p, "rt", encoding="utf-8", newline="")) for p in paths]
        log = read_akt([(p.name, s) for p, s in zip(paths, streams, strict=True)])
    log = collapse_multi_skill_rows(log)
    model = BKT(random_state=0).fit(log)
    assert model.params_ is not None
    population = Population.from_bkt(
        model.params_.values(),
        source=f"BKT (learnpath.engine.bkt, EM, 4 restarts) fitted on ASSISTments 2009 AKT fold {fold} "
        f"train+valid: {len(log)} answers, {len(model.params_)} skills",
    )
    values = np.array([p.to_list()[:4] for p in model.params_.values()])
    quantiles = {
        name: [round(float(q), 4) for q in np.quantile(values[:, k], [0.1, 0.25, 0.5, 0.75, 0.9])]
        for k, name in enumerate(("p_init", "p_learn", "p_guess", "p_slip"))
    }
    return population, quantiles


# -- runs ----------------------------------------------------------------------------------------------


def placement_items(graph: SkillGraph, skills: SkillParameters) -> tuple[PlacementItem, ...]:
    """One calibrated question per skill: the item bank's slip and guess are the skill's true values."""
    return tuple(
        PlacementItem(
            item_id=f"{s}#placement", skill_id=s, p_slip=skills.p_slip[s], p_guess=skills.p_guess[s]
        )
        for s in graph.skill_ids
    )


def new_course(
    graph: SkillGraph, skills: SkillParameters, population: Population, learner: SyntheticLearner, seed: int
) -> SimulatedCourse:
    return SimulatedCourse(graph, skills, population, learner.copy(), np.random.default_rng(seed))


def practice_policies(
    graph: SkillGraph, skills: SkillParameters, population: Population, max_questions: int
) -> list[PracticePolicy]:
    """The adaptive policies compared: learnpath, learnpath after placement, and the oracle bound."""
    placement = Placement(graph, placement_items(graph, skills), PlacementConfig(max_questions=max_questions))
    p_init = population.prior_share.median
    return [
        LearnpathPolicy(p_init=p_init),
        LearnpathPolicy(p_init=p_init, placement=placement, name="learnpath+placement"),
        OraclePolicy(),
    ]


def summarise_practice(runs: Sequence[PracticeRun]) -> dict[str, float]:
    total = np.array([r.items + r.placement_questions for r in runs], dtype=float)
    return {
        "learners": len(runs),
        "items_mean": float(total.mean()),
        "practice_items_mean": float(np.mean([r.items for r in runs])),
        "placement_questions_mean": float(np.mean([r.placement_questions for r in runs])),
        "final_mastery_mean": float(np.mean([r.final_mastery for r in runs])),
        "retention_30d_mean": float(np.mean([r.retention_30d for r in runs])),
        "finished_share": float(np.mean([r.finished for r in runs])),
        "days_mean": float(np.mean([r.days for r in runs])),
    }


# -- the command ---------------------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="measure placement and practice on synthetic learners",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    commands = parser.add_subparsers(dest="simulate_command", metavar="WHAT", required=True)

    fit = commands.add_parser("fit", help="fit the simulated population from the ASSISTments AKT folds")
    fit.add_argument("--data", type=Path, default=AKT_FOLDS, help=f"AKT fold folder (default {AKT_FOLDS})")
    fit.add_argument("--out", type=Path, default=POPULATION_FILE, help="where to write the JSON summary")
    fit.set_defaults(func=run_fit)

    for name, func, text in (
        ("placement", run_placement_command, "adaptive placement accuracy on synthetic learners"),
        ("practice", run_practice_command, "items to mastery: learnpath's policy against a linear sequence"),
    ):
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument(
            "--graph", choices=("demo", "junyi"), default="junyi" if name == "placement" else "demo"
        )
        sub.add_argument("--junyi", type=Path, default=JUNYI_TABLE, help="the Junyi exercise table (csv.gz)")
        sub.add_argument("--population", type=Path, help="population JSON (default: the fitted one)")
        sub.add_argument("--learners", type=int, default=30 if name == "placement" else 40)
        sub.add_argument(
            "--questions",
            type=int,
            default=20 if name == "placement" else 10,
            help="placement cap (default 20 for placement, 10 before practice)",
        )
        sub.add_argument("--seed", type=int, default=2026)
        sub.set_defaults(func=func)


def run_fit(args: argparse.Namespace) -> int:
    if not args.data.is_dir():
        print(f"learnpath simulate fit: no AKT folds at {args.data}", file=sys.stderr)
        return 1
    population, quantiles = fit_population(args.data)
    document = population.to_dict()
    document["quantiles_10_25_50_75_90"] = quantiles
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(population.source)
    for name in ("p_learn", "p_slip", "p_guess", "prior_share"):
        mean, sd = document[name]
        print(f"  {name}: logit ~ N({mean:.2f}, {sd:.2f}^2), median {1 / (1 + np.exp(-mean)):.3f}")
    print(f"population: {args.out}")
    return 0


def _setup(args: argparse.Namespace) -> tuple[SkillGraph, Population] | None:
    single_threaded_blas()
    try:
        return load_graph(args.graph, args.junyi), load_population(args.population)
    except FileNotFoundError as error:
        print(f"learnpath simulate: {error}", file=sys.stderr)
        return None


def run_placement_command(args: argparse.Namespace) -> int:
    setup = _setup(args)
    if setup is None:
        return 1
    graph, population = setup
    skills, learners = draw_learners(graph, population, args.learners, random_state=args.seed)
    placement = Placement(
        graph, placement_items(graph, skills), PlacementConfig(max_questions=args.questions)
    )
    print(
        f"Protocol: {args.learners} synthetic learners on the {args.graph} graph "
        f"({len(graph)} skills), seed {args.seed};"
    )
    print(f"  population: {population.source}")
    print("  truth: the skills each learner knows before placement; a skill is right when P(known) >= 0.5")
    print("  matches it; adaptive question choice (max expected entropy reduction), cap", args.questions)
    accuracy, questions = [], []
    for k, learner in enumerate(learners):
        course = new_course(graph, skills, population, learner, args.seed + 1000 + k)
        trial = placement_trial(placement, course, strategy="adaptive", random_state=args.seed + k)
        accuracy.append(trial.accuracy[-1])
        questions.append(trial.questions)
    known_share = float(np.mean([len(learner.known()) / len(graph) for learner in learners]))
    print(f"  learners know {known_share:.0%} of the skills on average")
    print(f"  accuracy {np.mean(accuracy):.3f} (sd {np.std(accuracy):.3f}, worst {np.min(accuracy):.3f})")
    print(
        f"placement: {np.mean(accuracy):.3f} with {np.mean(questions):.1f} questions on {len(graph)} skills"
    )
    return 0


LINEAR_SWEEP = (5, 10, 20, 40)


def practice_experiment(
    graph: SkillGraph,
    population: Population,
    *,
    learners: int,
    seed: int,
    questions: int,
    linear_sweep: Sequence[int] = LINEAR_SWEEP,
) -> dict[str, dict[str, float]]:
    """Every policy on the same learners (same seeds): a summary per policy name (``linear-<k>`` ...)."""
    skills, drawn = draw_learners(graph, population, learners, random_state=seed)
    policies: list[PracticePolicy] = [
        LinearPolicy(items_per_skill=k, name=f"linear-{k}") for k in sorted(set(linear_sweep))
    ]
    policies += practice_policies(graph, skills, population, questions)
    results: dict[str, dict[str, float]] = {}
    for policy in policies:
        runs = [
            run_practice(graph, skills, population, learner, policy, random_state=seed + k)
            for k, learner in enumerate(drawn)
        ]
        results[policy.name] = summarise_practice(runs)
    return results


def practice_comparison(
    results: dict[str, dict[str, float]], policy: str = "learnpath+placement"
) -> dict[str, Any]:
    """``policy`` against the linear sequence that matches its mastery, in items.

    The reference is the linear sequence with the fewest items per skill whose final mastery and 30-day
    retention are both at least the policy's (equal mastery, fewer items is the claim). When no linear
    sequence tried gets there, the reference is the one with the highest mastery, still below the policy,
    so the saving reported is a lower bound (``linear_reaches_policy`` is False).
    """
    ours = results[policy]
    linear = {name: r for name, r in results.items() if name.startswith("linear-")}
    by_k = sorted(linear, key=lambda name: int(name.split("-")[1]))
    reaching = [
        n
        for n in by_k
        if linear[n]["final_mastery_mean"] >= ours["final_mastery_mean"]
        and linear[n]["retention_30d_mean"] >= ours["retention_30d_mean"]
    ]
    reference = reaching[0] if reaching else max(by_k, key=lambda n: linear[n]["final_mastery_mean"])
    other = linear[reference]
    return {
        "policy": policy,
        "reference": reference,
        "linear_reaches_policy": bool(reaching),
        "percent_fewer_items": 100.0 * (1.0 - ours["items_mean"] / other["items_mean"]),
        "mastery_equal_or_better": ours["final_mastery_mean"] >= other["final_mastery_mean"],
        "retention_equal_or_better": ours["retention_30d_mean"] >= other["retention_30d_mean"],
    }


PRACTICE_PROTOCOL = (
    "  linear-k: k items per skill in topological order, no review (k in {k}); learnpath: next_activities,",
    "  BKT tracking (the skills' calibrated parameters) until every skill is mastered (MasteryRule:",
    "  P >= 0.95, 3 answers, last 2 right; a lapsed skill still counts), FSRS reviews as offered;",
    "  learnpath+placement"
    " first runs placement (cap {q} questions, counted as items) and seeds progress from it;",
    "  mastery = mean true P(recall) over all skills when the policy stops; the linear reference is the",
    "  one with the fewest items per skill whose mastery and retention reach learnpath's (or else its best);",
    "  retention = the same 30 days later, with no practice in between",
)


def run_practice_command(args: argparse.Namespace) -> int:
    setup = _setup(args)
    if setup is None:
        return 1
    graph, population = setup
    print(
        f"Protocol: {args.learners} synthetic learners on the {args.graph} graph "
        f"({len(graph)} skills), seed {args.seed};"
    )
    print(f"  population: {population.source}")
    for line in PRACTICE_PROTOCOL:
        print(line.format(k=", ".join(map(str, LINEAR_SWEEP)), q=args.questions))
    results = practice_experiment(
        graph, population, learners=args.learners, seed=args.seed, questions=args.questions
    )
    for name, summary in results.items():
        print(
            f"  {name:>20}: {summary['items_mean']:7.1f} items, "
            f"mastery {summary['final_mastery_mean']:.3f}, "
            f"30-day retention {summary['retention_30d_mean']:.3f}, finished {summary['finished_share']:.0%}"
        )
    comparison = practice_comparison(results)
    same = comparison["mastery_equal_or_better"] and comparison["retention_equal_or_better"]
    reference = comparison["reference"]
    print(
        f"  reference {reference}: learnpath+placement's mastery and retention are "
        f"{'equal or better' if same else 'WORSE'}"
        + (
            ""
            if comparison["linear_reaches_policy"]
            else f"; no linear sequence up to {reference} reaches them"
        )
    )
    print(f"practice: {comparison['percent_fewer_items']:.0f}% fewer items than linear")
    return 0
