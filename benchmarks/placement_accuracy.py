"""Benchmark: placement accuracy per simulated population, and adaptive vs fixed form vs random questions.

    .venv/bin/python benchmarks/placement_accuracy.py [--learners 200] [--learners-diagnostic 100]
        [--learners-demo 40] [--learners-junyi 30] [--jobs 2] [--seed 2026] [--only-parameters served]

Protocol (printed with the numbers):

- Graphs: the demo course (37 skills) and the Junyi Academy arithmetic prerequisite graph, its largest
  connected part (248 skills; ``learnpath.cli.simulate.junyi_graph``).
- Learners: ``engine.simulate.draw_learners`` with the population fitted from ASSISTments
  (``learnpath simulate fit``), changed per population (``engine.simulate.POPULATIONS``, docs/placement.md):
  default; broken-prerequisites (10 % of each learner's known skills lack a prerequisite, half learned
  ahead, half gaps); learned-ahead and gaps (each half alone); noisy (every item its own slip in
  [0.15, 0.25] and guess in [0.2, 0.3]). The same seed gives every population the same learners before
  their change. The truth is the set of skills each learner knows before placement.
- Items: 3 simulated items per skill. Placement is told the items' true slip and guess ("true": a
  calibrated bank), slip 0.1 / guess 0.2 for every item ("product": what the web tells it for a new
  course, until the course's model is refitted from its own answers; ``web.placement.course_placement``),
  or each skill's slip and guess from the model `learnpath fit` fits on a first cohort's log ("served":
  100 other learners practise through the product's loop with the prior, at most 300 items each; what
  the web tells placement after the refit).
- Models: placement as shipped ("leaky", ``PlacementConfig()``: a skill may be known without its
  prerequisites); for comparison on the same learners, the closed model it replaced ("closed",
  ``prerequisite_leak=0, skill_gap=0``) and the shipped one with ``skill_gap=0.05`` ("leaky+gap").
- Accuracy: share of skills where (P(known) >= 0.5) matches the truth, per learner; the mean over learners
  with a 95 % confidence interval (Student's t over learners). A missing prerequisite is a skill a learner
  does not know that a skill they know builds on; it is placed as known (mastered by ``seed_progress``)
  when P(known) >= 0.85. Cap 20 questions; adaptive = maximum expected entropy reduction.
- Strategies (default population, true parameters): adaptive, random order, and a fixed form of n items
  spread evenly over the topological order (a new form for each n), all scoring answers with the same
  belief, so only the choice of questions differs.

Writes benchmarks/results/placement_accuracy.json, docs/img/placement_accuracy.png and the "Placement
accuracy" section of BENCHMARKS.md. Targets (issues 5 and 10): >= 90 % with <= 20 questions on the 248-skill
graph (default population); >= 85 % for learners whose knowledge breaks prerequisites, with fewer than 15 %
of their missing prerequisites placed as mastered.
"""

from __future__ import annotations

import os

# The belief's matrices are small: OpenBLAS threads only contend for them (8x slower measured on 2 cores).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from learnpath.cli.simulate import (
    JUNYI_TABLE,
    demo_graph,
    junyi_graph,
    load_population,
    new_course,
    placement_experiment,
    simulated_placement_items,
)
from learnpath.engine.placement import Placement, PlacementConfig
from learnpath.engine.simulate import draw_learners, fixed_form, placement_trial
from reporting import IMAGES, RESULTS, machine, write_section

CAP = 20
FORM_LENGTHS = (5, 10, 15, 20)
TITLE = "Placement accuracy"
COMMAND = ".venv/bin/python benchmarks/placement_accuracy.py"
HEADLINE = ("default", "broken-prerequisites", "noisy")
PARAMETERS = ("true", "product", "served")
SERVED = ("default", "broken-prerequisites")  # the rows the targets read
DIAGNOSTIC_NAMES = ("learned-ahead", "gaps")
HEADLINE_ORDER = {name: k for k, name in enumerate((*HEADLINE, *DIAGNOSTIC_NAMES))}
DIAGNOSTIC = DIAGNOSTIC_NAMES
MODELS: dict[str, dict[str, float]] = {
    "leaky": {},  # as shipped
    "closed": {"prerequisite_leak": 0.0, "skill_gap": 0.0},  # the model the leaky one replaced
    "leaky+gap": {"skill_gap": 0.05},  # a skill far below the frontier may still be unknown (5 %)
}
TABLE_HEAD = (
    "| population | item parameters | model | learners | accuracy (95 % CI) | questions "
    "| known skills placed as mastered | not-known skills placed as mastered "
    "| missing prerequisites placed as mastered | time | commit |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def _curve(trials: list[tuple[float, ...]], length: int) -> list[float]:
    """Mean accuracy after 0..length answers; a trial that stopped early keeps its last value."""
    padded = [list(t) + [t[-1]] * (length + 1 - len(t)) for t in trials]
    return [float(v) for v in np.mean(np.array(padded)[:, : length + 1], axis=0)]


def _graph(name: str) -> Any:
    return demo_graph() if name == "demo" else junyi_graph(JUNYI_TABLE)


def strategies(name: str, learners: int, seed: int) -> dict[str, Any]:
    """Adaptive, random and fixed-form questions on the default population (true item parameters)."""
    graph = _graph(name)
    population = load_population()
    skills, drawn = draw_learners(graph, population, learners, random_state=seed)
    items = simulated_placement_items(skills)
    placement = Placement(graph, items, PlacementConfig(max_questions=CAP))
    started = time.perf_counter()
    adaptive, random_order, questions = [], [], []
    fixed: dict[int, list[float]] = {n: [] for n in FORM_LENGTHS}
    forms = {n: fixed_form(graph, items, n) for n in FORM_LENGTHS}
    for k, learner in enumerate(drawn):

        def course(offset: int, k: int = k, learner: Any = learner) -> Any:
            return new_course(graph, skills, population, learner, seed + offset + k)

        trial = placement_trial(placement, course(1000), strategy="adaptive", random_state=seed + k)
        adaptive.append(trial.accuracy)
        questions.append(trial.questions)
        random_order.append(
            placement_trial(placement, course(2000), strategy="random", random_state=seed + k).accuracy
        )
        for n in FORM_LENGTHS:
            form = forms[n]
            fixed[n].append(
                placement_trial(placement, course(3000), strategy=form, random_state=seed + k).accuracy[-1]
            )
    finals = [t[-1] for t in adaptive]
    print(f"  strategies on {name}: {learners} learners, adaptive {np.mean(finals):.3f}", flush=True)
    return {
        "graph": name,
        "skills": len(graph),
        "edges": len(graph.edges),
        "learners": learners,
        "known_share": float(np.mean([len(x.known()) / len(graph) for x in drawn])),
        "adaptive_curve": _curve(adaptive, CAP),
        "random_curve": _curve(random_order, CAP),
        "fixed_form": {str(n): float(np.mean(v)) for n, v in fixed.items()},
        "adaptive_final_mean": float(np.mean(finals)),
        "adaptive_questions_mean": float(np.mean(questions)),
        "seconds": time.perf_counter() - started,
    }


def population_run(task: tuple[str, str, str, int, int]) -> dict[str, Any]:
    """One row of the populations table: (population, item parameters, model, learners, seed)."""
    name, parameters, model, learners, seed = task
    graph = _graph("junyi")
    config = PlacementConfig(max_questions=CAP, **MODELS[model])
    started = time.perf_counter()
    result = placement_experiment(
        graph,
        load_population().named(name),
        learners=learners,
        seed=seed,
        parameters=parameters,
        config=config,
    )
    result["model"] = model
    result["seconds"] = time.perf_counter() - started
    result["commit"] = machine()["commit"]
    low, high = result["accuracy_ci95"]
    print(
        f"  {name} / {parameters} / {model}: {result['accuracy_mean']:.3f} ({low:.3f} to {high:.3f}) with "
        f"{result['questions_mean']:.1f} questions, {learners} learners, {result['seconds']:.0f} s",
        flush=True,
    )
    return result


def plot(results: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(results), figsize=(5.5 * len(results), 4), squeeze=False)
    for axis, result in zip(axes[0], results, strict=True):
        x = np.arange(CAP + 1)
        axis.plot(x, result["adaptive_curve"], label="adaptive (learnpath)", color="tab:blue")
        axis.plot(x, result["random_curve"], label="random questions", color="tab:gray")
        lengths = [int(n) for n in result["fixed_form"]]
        axis.plot(lengths, list(result["fixed_form"].values()), "s--", label="fixed form", color="tab:orange")
        axis.axhline(0.9, color="tab:red", lw=0.8, ls=":", label="target 90 %")
        axis.axhline(result["known_share"], color="k", lw=0.6, ls="-.", label="'all known'")
        axis.set_title(f"{result['graph']}: {result['skills']} skills, {result['learners']} learners")
        axis.set_xlabel("questions answered")
        axis.set_ylabel("skills classified right")
        axis.set_ylim(0.3, 1.0)
        axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    IMAGES.mkdir(parents=True, exist_ok=True)
    figure.savefig(IMAGES / "placement_accuracy.png", dpi=110)
    plt.close(figure)


def _missing(row: dict[str, Any]) -> str:
    share = row["missing_placed_known_share"]
    if share is None:
        return "none missing"
    return f"{share:.1%} ({row['missing_placed_known']} of {row['missing_prerequisites']})"


def _row(row: dict[str, Any], commit: str) -> str:
    low, high = row["accuracy_ci95"]
    return (
        f"| {row['population']} | {row['parameters']} | {row['model']} | {row['learners']} | "
        f"{row['accuracy_mean']:.3f} ({low:.3f} to {high:.3f}) | {row['questions_mean']:.1f} | "
        f"{row['known_placed_known_share']:.1%} | {row['unknown_placed_known_share']:.1%} | "
        f"{_missing(row)} | {row['seconds']:.0f} s | {row.get('commit', commit)} |"
    )


def _find(rows: list[dict[str, Any]], population: str, parameters: str, model: str) -> dict[str, Any] | None:
    return next(
        (
            r
            for r in rows
            if (r["population"], r["parameters"], r["model"]) == (population, parameters, model)
        ),
        None,
    )


def verdicts(rows: list[dict[str, Any]]) -> list[str]:
    """The issue's targets, checked on the shipped model, for both kinds of item parameters."""
    out = []
    for parameters in PARAMETERS:
        default = _find(rows, "default", parameters, "leaky")
        broken = _find(rows, "broken-prerequisites", parameters, "leaky")
        if default is not None:
            met = default["accuracy_mean"] >= 0.9 and default["questions_mean"] <= 20
            out.append(
                f"- {parameters} item parameters, default population: >= 90 % with <= 20 questions "
                f"{'met' if met else 'MISSED'} ({default['accuracy_mean']:.1%}, 95 % CI "
                f"{default['accuracy_ci95'][0]:.1%} to {default['accuracy_ci95'][1]:.1%}, "
                f"{default['questions_mean']:.1f} questions)."
            )
        if broken is not None:
            share = broken["missing_placed_known_share"] or 0.0
            accurate = broken["accuracy_mean"] >= 0.85
            out.append(
                f"- {parameters} item parameters, broken-prerequisites: >= 85 % "
                f"{'met' if accurate else 'MISSED'} ({broken['accuracy_mean']:.1%}); fewer than 15 % of "
                f"missing prerequisites placed as mastered {'met' if share < 0.15 else 'MISSED'} "
                f"({share:.1%})."
            )
    return out


def render(document: dict[str, Any]) -> str:
    """The BENCHMARKS.md section from a results document (``--render`` rebuilds it from the JSON alone)."""
    protocol, rows, results = document["protocol"], document["populations"], document["strategies"]
    info = protocol
    elapsed = protocol["seconds"]
    learners = next(r["learners"] for r in rows if r["population"] == "default")
    diagnostic = next((r["learners"] for r in rows if r["population"] == "gaps"), 0)
    jobs = protocol["jobs"]
    compared = {r["graph"]: r["learners"] for r in results}
    table = "\n".join(_row(r, protocol.get("commit", "not recorded")) for r in rows)
    reruns = "".join(
        f" Rows ({'; '.join(' / '.join(k) for k in rerun['rows'])}) were rerun on {rerun['date']} "
        f"(`{COMMAND} --only-parameters {rerun['rows'][0][1]}`)."
        for rerun in document.get("reruns", [])
    )
    strategy_rows = []
    for r in results:
        for n in FORM_LENGTHS:
            strategy_rows.append(
                f"| {r['graph']} ({r['skills']}) | {n} | {r['adaptive_curve'][n]:.3f} | "
                f"{r['fixed_form'][str(n)]:.3f} | {r['random_curve'][n]:.3f} |"
            )
    config = PlacementConfig.from_dict(protocol["config"])
    text = f"""`{COMMAND} --learners {learners} --learners-diagnostic {diagnostic} \
--learners-demo {compared.get("demo", 0)} --learners-junyi {compared.get("junyi", 0)} --jobs {jobs}` \
({info["date"]}; commit {info.get("commit", "not recorded")}; {info["machine"]}; Python {info["python"]}; \
{elapsed / 60:.0f} min with {jobs} worker processes).{reruns}

Synthetic learners (``engine.simulate``, BKT population fitted from ASSISTments 2009) take an adaptive
placement (cap {CAP}) on the 248-skill Junyi arithmetic prerequisite graph. Populations (docs/placement.md
says exactly what each assumes): **default**; **broken-prerequisites**, where 10 % of each learner's known
skills lack a prerequisite (half learned ahead of it, half gaps below known skills); its halves
**learned-ahead** and **gaps** alone; **noisy**, where every item has its own slip (0.15-0.25) and guess
(0.2-0.3). Three simulated items per skill. Item parameters: **true** tells placement each item's real
slip and guess (a calibrated bank); **product** tells it slip 0.1 / guess 0.2 for every item, as the web
does for a new course until its model is refitted from the course's own answers; **served** tells it each
skill's slip and guess from the model `learnpath fit` fitted on a first cohort's log (100 other learners
practising through the product's loop with the prior, at most 300 items each), as the web does after the
refit. Model: **leaky** is placement as shipped (prerequisite leak
{config.prerequisite_leak}, skill gap {config.skill_gap}); **closed** is the model it replaced (every
state closed under prerequisites), on the
same learners; **leaky+gap** adds a 5 % chance that a skill a learner is far enough along to know is
unknown anyway (``skill_gap`` 0.05), the setting that trades skipping known skills for finding gaps.
Accuracy: share of skills where P(known) >= 0.5 matches the truth, mean over learners with a
95 % confidence interval (Student's t). Missing prerequisites: skills a learner does not know under a skill
they know; "placed as mastered" = P(known) >= 0.85, which `seed_progress` marks mastered: the share of
known skills placed so is what placement saves, that of not-known skills what it risks.
`learnpath simulate placement --populations NAME [--item-parameters product|served]` runs one row.

{TABLE_HEAD}
{table}

Targets (issues 5 and 10), shipped model:

{chr(10).join(verdicts(rows))}

Adaptive against fixed and random questions (default population, true item parameters, same belief):

| graph (skills) | questions | adaptive | fixed form | random |
|---|---|---|---|---|
{chr(10).join(strategy_rows)}

Caveat: the learners are simulated, and placement's prior (progress level by level, prerequisites that
mostly hold) resembles how they were drawn. A gap deep inside what a learner knows is found only by asking
that very skill: with 20 questions for a few hundred skills, most gaps are not asked about, so the gaps row
measures how rarely, not how well. Plot: `docs/img/placement_accuracy.png`; results:
`benchmarks/results/placement_accuracy.json`.
"""
    return text


def rerun_rows(
    args: argparse.Namespace, info: dict[str, Any], tasks: list[tuple[str, str, str, int, int]]
) -> int:
    """Run ``tasks`` only and put their rows in place of the same rows of the stored results (each row
    keeps the commit it ran on); the section is rendered from the merged results."""
    path = RESULTS / "placement_accuracy.json"
    if not path.exists():
        print(f"  {path} is absent: run the whole benchmark first")
        return 1
    document = json.loads(path.read_text(encoding="utf-8"))
    with ProcessPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        rows = list(pool.map(population_run, tasks))
    key = {(r["population"], r["parameters"], r["model"]): r for r in rows}
    kept = [r for r in document["populations"] if (r["population"], r["parameters"], r["model"]) not in key]
    document["populations"] = sorted(
        kept + rows, key=lambda r: (r["model"] != "leaky", HEADLINE_ORDER.get(r["population"], 9))
    )
    document.setdefault("reruns", []).append(
        {"date": info["date"], "commit": info["commit"], "rows": [list(k) for k in key]}
    )
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    text = render(document)
    write_section(TITLE, text)
    print(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200, help="per headline population and row")
    parser.add_argument("--learners-diagnostic", type=int, default=100, help="learned-ahead and gaps rows")
    parser.add_argument("--learners-demo", type=int, default=40, help="strategy comparison, demo course")
    parser.add_argument("--learners-junyi", type=int, default=30, help="strategy comparison, Junyi graph")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--render", action="store_true", help="only rewrite the section from benchmarks/results (no runs)"
    )
    parser.add_argument(
        "--only-parameters",
        choices=PARAMETERS,
        help="run only the shipped model's rows with these item parameters and replace them in the results",
    )
    args = parser.parse_args(argv)
    if args.render:
        text = render(json.loads((RESULTS / "placement_accuracy.json").read_text(encoding="utf-8")))
        note = "Re-rendered (`--render`) from the results of the run below; the commit is the render's.\n\n"
        write_section(TITLE, note + text)
        print(text)
        return 0
    info = machine()
    print("Placement accuracy benchmark")
    print(__doc__.split("Protocol (printed with the numbers):")[1].split("Writes")[0].rstrip())
    population = load_population()
    print(f"  population: {population.source}; seed {args.seed}; cap {CAP}; {info['machine']}")
    if not JUNYI_TABLE.exists():
        print(f"  the Junyi graph is needed: {JUNYI_TABLE} is absent")
        return 1
    started = time.perf_counter()
    tasks: list[tuple[str, str, str, int, int]] = []
    for name in HEADLINE:
        for parameters in PARAMETERS:
            if parameters != "served" or name in SERVED:
                tasks.append((name, parameters, "leaky", args.learners, args.seed))
    for name in ("default", "broken-prerequisites"):
        tasks.append((name, "true", "closed", args.learners, args.seed))
        tasks.append((name, "true", "leaky+gap", args.learners_diagnostic, args.seed))
    for name in DIAGNOSTIC:
        tasks.append((name, "true", "leaky", args.learners_diagnostic, args.seed))
        tasks.append((name, "true", "closed", args.learners_diagnostic, args.seed))
    tasks = [t for t in tasks if t[3] > 0]
    if args.only_parameters:
        return rerun_rows(args, info, [t for t in tasks if t[1] == args.only_parameters and t[2] == "leaky"])
    with ProcessPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
        compared = [
            pool.submit(strategies, name, n, args.seed)
            for name, n in (("demo", args.learners_demo), ("junyi", args.learners_junyi))
            if n > 0
        ]
        rows = list(pool.map(population_run, tasks))
        results = [future.result() for future in compared]
    elapsed = time.perf_counter() - started
    document = {
        "protocol": {
            **info,
            "cap": CAP,
            "seed": args.seed,
            "population": population.source,
            "config": PlacementConfig(max_questions=CAP).to_dict(),
            "jobs": args.jobs,
            "seconds": elapsed,
        },
        "populations": rows,
        "strategies": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "placement_accuracy.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    if results:
        plot(results)
    text = render(document)
    write_section(TITLE, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
