"""Benchmark: the served model fitted on a simulated course's own log, against the truth and the prior.

    .venv/bin/python benchmarks/served_model.py [--learners 20 100 300] [--seed 2026]

Protocol (printed with the numbers):

- Course: the demo course's skill graph (37 skills), three simulated items a skill; learners drawn from the
  population fitted from ASSISTments 2009 (``engine.simulate``), default population.
- The log: learners practise through the product's learner loop (``learner_loop``, as the web runs it) with
  the prior model, at most 300 items each; the observations the loop makes are the course's log
  (``simulate.course_log``), each with its learner and simulated time.
- The fit: ``model_fit.fit_course_model``, exactly what ``learnpath fit`` runs: the most recent fifth of
  the answers by time held out, StackedKT fitted on the rest, every held-out answer predicted from the same
  learner's earlier answers.
- Peers on the same held-out answers, predicted the same way: the prior it replaces (BKT with textbook
  parameters, Elo without item difficulties) and BKT given the simulator's true per-skill parameters (its
  true learn rate, slip and guess, and the population's median prior share as p_init): "a model with the
  true parameters known".

Targets (issue 10): the fitted model's held-out AUC within 0.01 of the true-parameter model's, and above
the prior's. Writes benchmarks/results/served_model.json and the "Served model" section of BENCHMARKS.md.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import time
from typing import Any

import numpy as np

from learnpath.cli.simulate import demo_graph, load_population
from learnpath.engine.answers import Answer
from learnpath.engine.bkt import BKT, BKTParams, BKTState
from learnpath.engine.model_fit import fit_course_model, score_held_out, split_by_time
from learnpath.engine.served_model import PriorModel
from learnpath.engine.simulate import LearnpathPolicy, course_log, draw_learners
from reporting import RESULTS, machine, write_section

TITLE = "Served model"
COMMAND = ".venv/bin/python benchmarks/served_model.py"
MAX_ITEMS = 300


def true_predictions(bkt: BKT, answers: list[Answer]) -> np.ndarray:
    """BKT's P(correct) of each answer from the same learner's earlier answers (its own filter)."""
    states: dict[str, BKTState] = {}
    out = np.empty(len(answers))
    for k, answer in enumerate(answers):
        state = states.get(answer.learner, BKTState())
        out[k] = bkt.predict_correct(state, answer.item, answer.skills)
        states[answer.learner] = bkt.update(state, answer)
    return out


def run(learners: int, seed: int) -> dict[str, Any]:
    graph, population = demo_graph(), load_population()
    skills, drawn = draw_learners(graph, population, learners, random_state=seed)
    started = time.perf_counter()
    log = course_log(
        graph, skills, population, drawn, LearnpathPolicy(), random_state=seed, max_items=MAX_ITEMS
    )
    simulated = time.perf_counter() - started
    items = {a.item: a.skills for a in log}
    prior = PriorModel.from_difficulties({}, items, graph.skill_ids)
    started = time.perf_counter()
    outcome = fit_course_model(log, in_use=prior, version="fit", min_answers=1)
    fit_seconds = time.perf_counter() - started
    truth = BKT.from_dict(
        {
            "model": "bkt",
            "version": 1,
            "params": BKT().get_params(),
            "skills": {
                s: BKTParams(
                    p_init=population.prior_share.median,
                    p_learn=skills.p_learn[s],
                    p_guess=skills.p_guess[s],
                    p_slip=skills.p_slip[s],
                ).to_list()
                for s in graph.skill_ids
            },
            "default": BKTParams(0.3, 0.15, 0.2, 0.1).to_list(),
        }
    )
    cut, _ = split_by_time(log)
    y = np.array([a.correct for a in log[cut:]], dtype=np.float64)
    true_score = score_held_out(y, true_predictions(truth, log)[cut:])
    assert outcome.held_out is not None
    assert outcome.in_use is not None
    return {
        "learners": learners,
        "answers": len(log),
        "held_out": outcome.held_out.answers,
        "simulate_seconds": simulated,
        "fit_seconds": fit_seconds,
        "fitted": outcome.held_out.to_dict(),
        "prior": outcome.in_use.to_dict(),
        "true_parameters": true_score.to_dict(),
        "served": outcome.serve,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, nargs="+", default=[20, 100, 300])
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    info = machine()
    print("Served model benchmark")
    print(__doc__.split("Protocol (printed with the numbers):")[1].split("Targets")[0].rstrip())
    results = []
    for n in args.learners:
        result = run(n, args.seed)
        results.append(result)
        print(
            f"  {n} learners, {result['answers']} answers: AUC fitted {result['fitted']['auc']:.4f}, "
            f"true parameters {result['true_parameters']['auc']:.4f}, prior {result['prior']['auc']:.4f}; "
            f"fit {result['fit_seconds']:.1f} s",
            flush=True,
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {"protocol": {**info, "seed": args.seed, "max_items": MAX_ITEMS}, "results": results}
    (RESULTS / "served_model.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

    def cell(score: dict[str, Any]) -> str:
        return f"{score['auc']:.4f} / {score['log_loss']:.4f} / {score['ece']:.3f}"

    rows = "\n".join(
        f"| {r['learners']} | {r['answers']:,} | {r['held_out']:,} | {cell(r['fitted'])} | "
        f"{cell(r['true_parameters'])} | {cell(r['prior'])} | {r['fit_seconds']:.1f} | "
        f"{'yes' if r['served'] else 'no'} |"
        for r in results
    )
    verdicts = []
    for r in results:
        fitted, true, prior = r["fitted"]["auc"], r["true_parameters"]["auc"], r["prior"]["auc"]
        gap = true - fitted
        verdicts.append(
            f"- {r['learners']} learners ({r['answers']:,} answers): within 0.01 of the true-parameter "
            f"model: {'met' if gap <= 0.01 else 'MISSED'} (fitted {fitted:.4f}, true {true:.4f}, gap "
            f"{gap:+.4f}); beats the prior: {'met' if fitted > prior else 'MISSED'} ({prior:.4f})"
        )
    sizes = " ".join(map(str, args.learners))
    run_info = f"{info['date']}; {info['machine']}; Python {info['python']}"
    text = f"""`{COMMAND} --learners {sizes}` ({run_info})

A simulated course's own log (demo graph, learners practising through the product's loop with the prior
model, at most {MAX_ITEMS} items each), fitted with what `learnpath fit` runs; every model predicts the
same held-out answers (the most recent fifth by time), each from that learner's earlier answers.
Columns: AUC / log loss / ECE on the held-out answers; fit seconds are wall clock on this shared machine.

| learners | answers | held out | fitted StackedKT | BKT, true parameters | prior | fit s | served |
|---|---|---|---|---|---|---|---|
{rows}

{chr(10).join(verdicts)}

"True parameters" is BKT with the simulator's per-skill learn rate, slip and guess; the simulator is not BKT
(per-learner speed, FSRS forgetting, slower learning before prerequisites), so a fitted model may beat it.
Results: `benchmarks/results/served_model.json`.
"""
    write_section(TITLE, text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
