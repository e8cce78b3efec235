"""``learnpath simulate``: synthetic learners that measure placement and practice (engine/simulate.py).

Sub-commands:

- ``fit``: fit BKT on the ASSISTments 2009 AKT fold 1 training data and write the population summary
  (logit-normal distributions of p_learn, p_slip, p_guess, p_init over skills) that the simulator uses by
  default.
- ``placement``: adaptive placement on simulated learners of one or more populations (``--populations``,
  names from ``engine.simulate.POPULATIONS``); per population the accuracy with a 95 % confidence interval
  over learners, the questions asked and the share of missing prerequisites placed as known; last line
  ``placement: <accuracy> with <questions> questions on <skills> skills (95 % CI <lo> to <hi>, <n> learners)``
  for the first population named.
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
from learnpath.engine.served_model import ServedModel, answer_noise
from learnpath.engine.simulate import (
    POPULATIONS,
    LearnpathPolicy,
    OraclePolicy,
    Population,
    PracticePolicy,
    PracticeRun,
    SimulatedCourse,
    SkillParameters,
    StreakPolicy,
    SyntheticLearner,
    draw_learners,
    placement_trial,
    run_practice,
    served_model,
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


COHORT = 100
"""Learners of the first cohort whose log the served model is fitted on (``simulate.served_model``)."""
ITEM_PARAMETERS = ("true", "product", "served")
"""What placement is told of the items in a simulation (``placement_experiment``)."""
PRODUCT_SLIP = 0.1
PRODUCT_GUESS = 0.2
"""What the web tells placement for every item of a new course, until the course's model is refitted from
its own answers (``web.placement.course_placement`` via the served model: slip 0.1, guess 0.2; it also raises
guess for single-choice items with few choices, which simulated items are not)."""


def simulated_placement_items(
    skills: SkillParameters, *, parameters: str = "true", model: ServedModel | None = None
) -> tuple[PlacementItem, ...]:
    """The course's simulated items as placement items: with their true slip and guess (``"true"``: a
    calibrated bank), or with what the product tells placement (``"product"``): the served ``model``'s
    slip and guess for each item's skill (``served_model.answer_noise``, as the web's placement reads them),
    or, with no model, those of a new course's prior (slip 0.1, guess 0.2 for every item)."""
    if parameters not in ("true", "product"):
        raise ValueError(f"parameters must be 'true' or 'product', got {parameters!r}")

    def noise(item_id: str, skill_id: str) -> tuple[float, float]:
        if parameters == "true":
            return skills.item_slip[item_id], skills.item_guess[item_id]
        if model is None:
            return PRODUCT_SLIP, PRODUCT_GUESS
        return answer_noise(model, skill_id)

    return tuple(
        PlacementItem.from_noise(item_id, skill_id, *noise(item_id, skill_id))
        for item_id, skill_id in skills.item_skill.items()
    )


def mean_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its ``level`` confidence interval over independent values (Student's t; a point if n < 2),
    clipped to [0, 1]: the values are shares."""
    from scipy import stats

    data = np.asarray(values, dtype=np.float64)
    mean = float(data.mean())
    if len(data) < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + level / 2, len(data) - 1) * data.std(ddof=1) / np.sqrt(len(data)))
    return mean, max(mean - half, 0.0), min(mean + half, 1.0)


def placement_experiment(
    graph: SkillGraph,
    population: Population,
    *,
    learners: int,
    seed: int,
    questions: int = 20,
    parameters: str = "true",
    config: PlacementConfig | None = None,
    progress: Any = None,
    cohort: int = COHORT,
) -> dict[str, Any]:
    """Adaptive placement of ``learners`` simulated learners of ``population``; the numbers both
    ``learnpath simulate placement`` and ``benchmarks/placement_accuracy.py`` report.

    Learners and course come from ``draw_learners(graph, population, learners, random_state=seed)``;
    learner k answers with a generator seeded ``seed + 1000 + k`` and the placement is seeded ``seed + k``.
    ``parameters``: ``"true"`` (each item's real slip and guess), ``"product"`` (a new course's 0.1 / 0.2)
    or ``"served"`` (what the product tells placement once the course's model is refitted: the slip and
    guess of the model ``simulate.served_model`` fits on a first cohort of ``cohort`` other learners).
    """
    if parameters not in ITEM_PARAMETERS:
        raise ValueError(f"parameters must be one of {', '.join(ITEM_PARAMETERS)}, got {parameters!r}")
    skills, drawn = draw_learners(graph, population, learners, random_state=seed)
    config = config if config is not None else PlacementConfig(max_questions=questions)
    served: dict[str, Any] = {}
    if parameters == "served":
        model, outcome = served_model(graph, skills, population, learners=cohort, random_state=seed + 100_000)
        items = simulated_placement_items(skills, parameters="product", model=model)
        served = {"model": model.version, "cohort": cohort, "reason": outcome.reason}
    else:
        items = simulated_placement_items(skills, parameters=parameters)
    placement = Placement(graph, items, config)
    accuracy, asked, missing, placed = [], [], 0, 0
    with_missing, known, known_placed, unknown, unknown_placed = 0, 0, 0, 0, 0
    for k, learner in enumerate(drawn):
        course = new_course(graph, skills, population, learner, seed + 1000 + k)
        trial = placement_trial(placement, course, strategy="adaptive", random_state=seed + k)
        accuracy.append(trial.accuracy[-1])
        asked.append(trial.questions)
        missing += len(trial.missing)
        placed += len(trial.missing_placed_known)
        with_missing += bool(trial.missing)
        known += len(trial.truth)
        known_placed += len(trial.truth & trial.placed_known)
        unknown += len(graph) - len(trial.truth)
        unknown_placed += len(trial.placed_known - trial.truth)
        if progress is not None:
            progress(k, trial)
    mean, low, high = mean_interval(accuracy)
    return {
        "population": population.name,
        "parameters": parameters,
        "prerequisite_leak": config.prerequisite_leak,
        "learners": learners,
        "skills": len(graph),
        "known_share": float(np.mean([len(x.known()) / len(graph) for x in drawn])),
        "accuracy_mean": mean,
        "accuracy_ci95": [low, high],
        "accuracy_p10": float(np.quantile(accuracy, 0.1)),
        "questions_mean": float(np.mean(asked)),
        "learners_with_missing_prerequisites": with_missing,
        "missing_prerequisites": missing,
        "missing_placed_known": placed,
        "missing_placed_known_share": placed / missing if missing else None,
        # what placement saves (known skills skipped) and what it risks (unknown skills skipped)
        "known_placed_known_share": known_placed / known if known else None,
        "unknown_placed_known_share": unknown_placed / unknown if unknown else None,
        **({"served": served} if served else {}),
    }


def new_course(
    graph: SkillGraph, skills: SkillParameters, population: Population, learner: SyntheticLearner, seed: int
) -> SimulatedCourse:
    return SimulatedCourse(graph, skills, population, learner.copy(), np.random.default_rng(seed))


def practice_policies(
    graph: SkillGraph,
    skills: SkillParameters,
    population: Population,
    max_questions: int,
    model: ServedModel | None = None,
) -> list[PracticePolicy]:
    """learnpath (with and without placement, each as a learner meets it: the learner loop, its policy and
    the served ``model``), the fair baselines, and the oracle bound.

    Fair baselines (they see answers only, as learnpath does): a linear order with a k-in-a-row mastery rule
    (k = 3 and 5, as common products do), a linear order with learnpath's own tracker and mastery rule, and
    learnpath without placement.
    """
    placement = Placement(
        graph,
        simulated_placement_items(skills, parameters="product", model=model),
        PlacementConfig(max_questions=max_questions),
    )
    return [
        StreakPolicy(k=3, name="linear-3-in-a-row"),
        StreakPolicy(k=5, name="linear-5-in-a-row"),
        LearnpathPolicy(model=model, follow_policy=False, name="linear-learnpath-rule"),
        LearnpathPolicy(model=model, name="learnpath"),
        LearnpathPolicy(model=model, placement=placement, name="learnpath+placement"),
        OraclePolicy(),
    ]


FAIR_BASELINES = ("linear-3-in-a-row", "linear-5-in-a-row", "linear-learnpath-rule", "learnpath")


def summarise_practice(runs: Sequence[PracticeRun]) -> dict[str, float]:
    total = np.array([r.items + r.placement_questions for r in runs], dtype=float)
    return {
        "learners": len(runs),
        "items_mean": float(total.mean()),
        "items_median": float(np.median(total)),
        "practice_items_mean": float(np.mean([r.items for r in runs])),
        "review_items_mean": float(np.mean([r.reviews for r in runs])),
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
        sub.add_argument("--learners", type=int, default=30 if name == "placement" else 200)
        sub.add_argument(
            "--questions",
            type=int,
            default=PlacementConfig().max_questions,
            help=f"placement cap (default {PlacementConfig().max_questions}, the product's)",
        )
        sub.add_argument("--seed", type=int, default=2026)
        if name == "practice":
            sub.add_argument(
                "--cohort",
                type=int,
                default=COHORT,
                help=f"learners of the first cohort the served model is fitted on (default {COHORT}; 0: "
                "serve the prior)",
            )
            sub.add_argument(
                "--populations",
                default="default,broken-prerequisites,noisy",
                help=f"comma-separated populations ({', '.join(POPULATIONS)}); the last line is the first",
            )
        if name == "placement":
            sub.add_argument(
                "--populations",
                default="default",
                help=f"comma-separated populations ({', '.join(POPULATIONS)}); the last line is the first",
            )
            sub.add_argument(
                "--item-parameters",
                choices=ITEM_PARAMETERS,
                default="true",
                help="tell placement the items' true slip and guess, a new course's 0.1 / 0.2, or the "
                "slip and guess of the model fitted on a first cohort's log (served)",
            )
            sub.add_argument(
                "--prerequisite-leak",
                type=float,
                default=PlacementConfig().prerequisite_leak,
                help="placement's P(known without a prerequisite) factor; 0 is the strict (closed) model",
            )
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


def placement_line(result: dict[str, Any]) -> str:
    """``placement: <accuracy> with <q> questions on <n> skills (95 % CI <lo> to <hi>, <L> learners)``."""
    low, high = result["accuracy_ci95"]
    return (
        f"placement: {result['accuracy_mean']:.3f} with {result['questions_mean']:.1f} questions on "
        f"{result['skills']} skills (95 % CI {low:.3f} to {high:.3f}, {result['learners']} learners)"
    )


def missing_line(result: dict[str, Any]) -> str:
    """How many of the learners' missing prerequisites placement placed as known (mastered)."""
    share = result["missing_placed_known_share"]
    if share is None:
        return "no learner lacks a prerequisite of a skill they know"
    return (
        f"missing prerequisites placed as known (mastered): {share:.1%} "
        f"({result['missing_placed_known']} of {result['missing_prerequisites']}, "
        f"{result['learners_with_missing_prerequisites']} learners have any)"
    )


def run_placement_command(args: argparse.Namespace) -> int:
    names = [name.strip() for name in args.populations.split(",") if name.strip()]
    unknown = [name for name in names if name not in POPULATIONS]
    if unknown or not names:
        print(
            f"learnpath simulate placement: unknown population {', '.join(unknown) or '(none)'}; "
            f"choose from {', '.join(POPULATIONS)}",
            file=sys.stderr,
        )
        return 2
    setup = _setup(args)
    if setup is None:
        return 1
    graph, base = setup
    config = PlacementConfig(max_questions=args.questions, prerequisite_leak=args.prerequisite_leak)
    print(
        f"Protocol: {args.learners} synthetic learners per population on the {args.graph} graph "
        f"({len(graph)} skills), seed {args.seed};"
    )
    print(f"  population: {base.source}; populations: {', '.join(names)} (docs/placement.md)")
    print("  truth: the skills each learner knows before placement; a skill is right when P(known) >= 0.5")
    print(
        f"  matches it; adaptive question choice (max expected entropy reduction), cap {args.questions}; "
        f"{base.items_per_skill} simulated items per skill,"
    )
    if args.item_parameters == "true":
        print("  placement told each item's true slip and guess (a calibrated bank);")
    elif args.item_parameters == "product":
        print(
            f"  placement told slip {PRODUCT_SLIP} / guess {PRODUCT_GUESS} for every item, as the web does"
            " for a new course;"
        )
    else:
        print(
            "  placement told each skill's slip and guess from the model `learnpath fit` fits on a first "
            f"cohort's log ({COHORT} other learners practising with the prior), as the web does after a "
            "refit;"
        )
    print(
        f"  prerequisite leak {config.prerequisite_leak}, skill gap {config.skill_gap}; 95 % CI: Student's t"
        " over learners' accuracies (clipped to [0, 1]);"
        " a missing prerequisite is a skill not known that a known skill builds on, placed as known when"
        f" P(known) >= {config.known_threshold}"
    )
    results = []
    for name in names:
        result = placement_experiment(
            graph,
            base.named(name),
            learners=args.learners,
            seed=args.seed,
            parameters=args.item_parameters,
            config=config,
        )
        results.append(result)
        print(f"  {name}: learners know {result['known_share']:.0%} of the skills on average")
        print(f"  {name}: {missing_line(result)}")
        print(f"  {name}: {placement_line(result)}")
    print(placement_line(results[0]))
    return 0


def practice_experiment(
    graph: SkillGraph,
    population: Population,
    *,
    learners: int,
    seed: int,
    questions: int,
    cohort: int = COHORT,
) -> tuple[dict[str, list[PracticeRun]], dict[str, Any]]:
    """Every policy on the same learners (same seeds): the runs per policy name, and what was served.

    learnpath serves what the product would after a first cohort of ``cohort`` learners (other learners,
    another seed): a StackedKT fitted on their log, if it predicts their latest answers no worse than the
    prior (``simulate.served_model``); ``cohort=0`` serves the prior."""
    skills, drawn = draw_learners(graph, population, learners, random_state=seed)
    model: ServedModel | None = None
    served: dict[str, Any] = {"model": "prior", "cohort": cohort}
    if cohort > 0:
        model, outcome = served_model(graph, skills, population, learners=cohort, random_state=seed + 100_000)
        served.update(
            model=model.version,
            reason=outcome.reason,
            held_out=outcome.held_out.to_dict() if outcome.held_out else None,
            prior=outcome.in_use.to_dict() if outcome.in_use else None,
        )
    runs: dict[str, list[PracticeRun]] = {}
    for policy in practice_policies(graph, skills, population, questions, model):
        runs[policy.name] = [
            run_practice(graph, skills, population, learner, policy, random_state=seed + k)
            for k, learner in enumerate(drawn)
        ]
    return runs, served


def _total_items(runs: Sequence[PracticeRun]) -> np.ndarray:
    return np.array([r.items + r.placement_questions for r in runs], dtype=np.float64)


def practice_comparison(
    runs: dict[str, list[PracticeRun]],
    policy: str = "learnpath+placement",
    *,
    baselines: Sequence[str] = FAIR_BASELINES,
    resamples: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    """``policy`` against the strongest fair baseline, in items (placement questions count as items).

    The reference is the baseline with the fewest items among those whose mean final mastery and 30-day
    retention are both at most the policy's (so the policy is at equal or better mastery and retention);
    when the policy is below every baseline in one of them, the reference is the baseline with the fewest
    items and ``equal_or_better`` is False. The 95 % interval of the saving, 1 - items / reference items, is
    a paired bootstrap over learners (the same learners met every policy), seeded.
    """
    summaries = {name: summarise_practice(r) for name, r in runs.items()}
    ours = summaries[policy]
    candidates = [b for b in baselines if b in runs and b != policy]

    def matched(name: str) -> bool:
        other = summaries[name]
        return (
            ours["final_mastery_mean"] >= other["final_mastery_mean"]
            and ours["retention_30d_mean"] >= other["retention_30d_mean"]
        )

    fair = [b for b in candidates if matched(b)]
    reference = min(fair or candidates, key=lambda b: summaries[b]["items_mean"])
    mine, theirs = _total_items(runs[policy]), _total_items(runs[reference])
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(mine), size=(resamples, len(mine)))
    savings = 100.0 * (1.0 - mine[draws].mean(axis=1) / theirs[draws].mean(axis=1))
    low, high = np.quantile(savings, [0.025, 0.975])
    return {
        "policy": policy,
        "reference": reference,
        "equal_or_better": bool(fair),
        "percent_fewer_items": 100.0 * (1.0 - mine.mean() / theirs.mean()),
        "ci95": [float(low), float(high)],
        "learners": len(mine),
        "mastery_equal_or_better": ours["final_mastery_mean"] >= summaries[reference]["final_mastery_mean"],
        "retention_equal_or_better": ours["retention_30d_mean"] >= summaries[reference]["retention_30d_mean"],
    }


def practice_line(comparison: dict[str, Any]) -> str:
    """The command's last line (issue 10's format)."""
    quality = (
        "at equal or better mastery and retention"
        if comparison["equal_or_better"]
        else "at LOWER mastery or retention than every fair baseline"
    )
    low, high = comparison["ci95"]
    return (
        f"practice: {comparison['percent_fewer_items']:.1f} % fewer items than {comparison['reference']} "
        f"{quality} (95 % CI {low:.1f} to {high:.1f}, {comparison['learners']} learners)"
    )


PRACTICE_PROTOCOL = (
    "  every policy meets the same learners with the same seeds; items = practice items + placement",
    "  questions; learnpath: the learner loop (engine.learner_loop: apply + suggest) as the web runs it,",
    "  serving what `learnpath fit` fits on a first cohort's log (other learners) if no worse than the",
    "  prior (P(correct): StackedKT; P(mastered): BKT fitted on the same log),",
    "  until every skill is mastered (P >= 0.95, 3 answers, last 2 right, or after 10 answers 3 right in a",
    "  row; a lapsed skill still counts);",
    "  learnpath+placement first runs placement (cap {q} questions; each skill's slip and guess from the",
    "  served model, as the web tells it); fair baselines: linear-k-in-a-row (topological order, each",
    "  skill until k right in a row, k = 3, 5), linear-learnpath-rule (topological order, learnpath's",
    "  tracker and mastery rule), learnpath (no placement); oracle: sees the truth (a bound, not a",
    "  baseline);",
    "  mastery = mean true P(recall) over all skills when the policy stops; retention = the same 30 days",
    "  later; reference = the fair baseline with the fewest items among those learnpath+placement matches",
    "  or beats in mastery and retention; 95 % CI: paired bootstrap over learners (2,000 resamples)",
)


def run_practice_command(args: argparse.Namespace) -> int:
    setup = _setup(args)
    if setup is None:
        return 1
    graph, base = setup
    names = [n.strip() for n in args.populations.split(",") if n.strip()]
    unknown = [n for n in names if n not in POPULATIONS]
    if unknown or not names:
        print(
            f"learnpath simulate practice: unknown population {', '.join(unknown) or '(none)'}",
            file=sys.stderr,
        )
        return 1
    print(
        f"Protocol: {args.learners} synthetic learners per population on the {args.graph} graph "
        f"({len(graph)} skills), seed {args.seed};"
    )
    print(f"  population: {base.source}")
    for line in PRACTICE_PROTOCOL:
        print(line.format(q=args.questions))
    lines = []
    for name in names:
        runs, served = practice_experiment(
            graph,
            base.named(name),
            learners=args.learners,
            seed=args.seed,
            questions=args.questions,
            cohort=args.cohort,
        )
        print(f"  {name}: served model {served['model']} ({served.get('reason', 'no cohort')})")
        for policy, policy_runs in runs.items():
            summary = summarise_practice(policy_runs)
            print(
                f"  {name}: {policy:>22}: {summary['items_mean']:7.1f} items (median "
                f"{summary['items_median']:.0f}), "
                f"mastery {summary['final_mastery_mean']:.3f}, "
                f"30-day retention {summary['retention_30d_mean']:.3f}, "
                f"finished {summary['finished_share']:.0%}"
            )
        line = practice_line(practice_comparison(runs))
        print(f"  {name}: {line}")
        lines.append(line)
    print(lines[0])
    return 0
