"""Run pyBKT (the peer BKT library) on prepared folds; executed by benchmarks/.venv-pybkt/bin/python.

Usage: pybkt_runner.py JOB.json. The job lists folds, each with a train CSV, a test CSV (columns
order_id,user_id,skill_name,correct; one row per answer and skill, in the order answered) and an output
path. For each fold this fits pyBKT's default model (no forgetting, num_fits restarts), predicts the test
rows with its own sequential ``predict``, writes one prediction per test row, and reports the fit time.
It imports nothing from learnpath: it runs under numpy<2, which learnpath does not support.
"""

import json
import sys
import time

import pandas as pd
import pyBKT
from pyBKT.models import Model


def main(job_path):
    with open(job_path, encoding="utf-8") as stream:
        job = json.load(stream)
    results = []
    for fold in job["folds"]:
        dtype = {"order_id": "int64", "user_id": "str", "skill_name": "str", "correct": "int64"}
        train = pd.read_csv(fold["train"], dtype=dtype)
        test = pd.read_csv(fold["test"], dtype=dtype)
        model = Model(
            seed=job.get("seed", 42), num_fits=job.get("num_fits", 5), parallel=job.get("parallel", False)
        )
        started = time.perf_counter()
        cpu_started = time.process_time()
        model.fit(data=train)
        fit_seconds = time.perf_counter() - started
        fit_cpu_seconds = time.process_time() - cpu_started
        started = time.perf_counter()
        predicted = model.predict(data=test)
        predict_seconds = time.perf_counter() - started
        # predict keeps the rows but may reorder them: put them back in order_id order
        predicted = predicted.sort_values("order_id")
        predicted[["order_id", "correct_predictions"]].to_csv(fold["output"], index=False)
        results.append(
            {
                "fold": fold["fold"],
                "protocol": fold.get("protocol"),
                "fit_seconds": fit_seconds,
                "fit_cpu_seconds": fit_cpu_seconds,
                "predict_seconds": predict_seconds,
                "n_train_rows": len(train),
                "n_test_rows": len(test),
            }
        )
        print(
            f"pyBKT fold {fold['fold']}: fit {fit_seconds:.1f}s, predict {predict_seconds:.1f}s", flush=True
        )
    version = getattr(pyBKT, "__version__", None)
    with open(job["report"], "w", encoding="utf-8") as stream:
        json.dump({"pybkt_version": version, "folds": results}, stream)


if __name__ == "__main__":  # pyBKT's parallel E-step forks worker processes: keep this guard
    main(sys.argv[1])
