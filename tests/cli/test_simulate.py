"""`learnpath simulate`: the last lines the issue names, the population fit, and the Junyi graph reader."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from learnpath.cli.main import main
from learnpath.cli.simulate import junyi_graph, load_population


def last_line(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1]


PLACEMENT_LINE = (
    r"placement: (0|1)\.\d{3} with \d+\.\d questions on 37 skills "
    r"\(95 % CI \d\.\d{3} to \d\.\d{3}, (\d+) learners\)"
)


def test_placement_prints_its_last_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "placement", "--graph", "demo", "--learners", "2", "--questions", "4"]) == 0
    line = last_line(capsys)
    match = re.fullmatch(PLACEMENT_LINE, line)
    assert match, line
    assert match.group(2) == "2"


def test_placement_reports_each_population_and_the_first_last(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "placement", "--graph", "demo", "--learners", "3", "--questions", "3"]
    argv += ["--populations", "broken-prerequisites,noisy", "--item-parameters", "product"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(PLACEMENT_LINE, lines[-1]), lines[-1]
    assert any(
        line.startswith("  broken-prerequisites: missing prerequisites placed as known") for line in lines
    )
    assert f"  broken-prerequisites: {lines[-1]}" in lines
    assert any(line.startswith("  noisy: placement: ") for line in lines)
    assert any("slip 0.1 / guess 0.2 for every item" in line for line in lines)


def test_an_unknown_population_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "placement", "--graph", "demo", "--learners", "1", "--populations", "nobody"]
    assert main(argv) == 2
    assert "choose from default" in capsys.readouterr().err


def test_practice_prints_its_last_line(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "practice", "--graph", "demo", "--learners", "3", "--questions", "3", "--cohort", "4"]
    assert main([*argv, "--populations", "default"]) == 0
    line = last_line(capsys)
    pattern = (
        r"practice: -?\d+\.\d % fewer items than (linear-\d-in-a-row|linear-learnpath-rule|learnpath) "
        r"at (equal or better mastery and retention|LOWER mastery or retention than every fair baseline) "
        r"\(95 % CI -?\d+\.\d to -?\d+\.\d, 3 learners\)"
    )
    assert re.fullmatch(pattern, line), line


def test_practice_refuses_an_unknown_population(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "practice", "--graph", "demo", "--learners", "1", "--populations", "martians"]
    assert main(argv) == 1
    assert "unknown population martians" in capsys.readouterr().err


def test_the_same_seed_prints_the_same_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "placement", "--graph", "demo", "--learners", "1", "--questions", "3", "--seed", "5"]
    main(argv)
    first = capsys.readouterr().out
    main(argv)
    assert capsys.readouterr().out == first


def test_a_missing_junyi_table_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["simulate", "placement", "--junyi", str(tmp_path / "absent.csv.gz"), "--learners", "1"]
    assert main(argv) == 1
    assert "use --graph demo" in capsys.readouterr().err


def write_gz(path: Path, text: str) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.write(text)
    return path


def test_junyi_graph_keeps_the_largest_clean_part_of_an_area(tmp_path: Path) -> None:
    table = write_gz(
        tmp_path / "junyi.csv.gz",
        "\ufeffname,live,prerequisites,area\n"
        "a,TRUE,,arithmetic\n"
        "b,TRUE,a,arithmetic\n"
        'c,TRUE,"b,a,c,d?amaged",arithmetic\n'
        "b,TRUE,c,arithmetic\n"  # a second row for b: ignored
        "d,TRUE,c,arithmetic\n"
        "lonely,TRUE,,arithmetic\n"
        "x,TRUE,a,algebra\n",
    )
    graph = junyi_graph(table)
    assert set(graph.skill_ids) == {"a", "b", "c", "d"}
    assert set(graph.edges) == {("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")}


def test_fit_writes_a_population_the_simulator_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    learners = []
    for k in range(12):
        answers = [1 if (k + t) % 3 else 0 for t in range(8)]
        skills = [str(t % 2) for t in range(8)]
        learners.append(
            f"{k},{100 + k}\n{','.join(str(t) for t in range(8))}\n{','.join(skills)}\n"
            f"{','.join(map(str, answers))}\n"
        )
    write_gz(tmp_path / "assist2009_pid_train1.csv.gz", "".join(learners[:9]))
    write_gz(tmp_path / "assist2009_pid_valid1.csv.gz", "".join(learners[9:]))
    out = tmp_path / "population.json"
    assert main(["simulate", "fit", "--data", str(tmp_path), "--out", str(out)]) == 0
    assert "population:" in last_line(capsys)
    population = load_population(out)
    assert "fold 1" in population.source
    assert json.loads(out.read_text())["model"] == "Population"


def test_placement_with_the_served_models_item_parameters() -> None:
    """``served``: placement is told each skill's slip and guess from the model fitted on a first
    cohort's log, as the web's placement is after a refit; unknown parameters are refused."""
    from learnpath.cli.simulate import demo_graph, placement_experiment, simulated_placement_items
    from learnpath.engine.served_model import answer_noise
    from learnpath.engine.simulate import draw_learners, served_model

    graph, population = demo_graph(), load_population()
    result = placement_experiment(
        graph, population, learners=2, seed=5, questions=3, parameters="served", cohort=6
    )
    assert result["parameters"] == "served"
    assert result["served"]["cohort"] == 6
    assert result["served"]["model"] in ("fit-1", "prior")
    skills, _ = draw_learners(graph, population, 2, random_state=5)
    model, _outcome = served_model(graph, skills, population, learners=6, random_state=5 + 100_000)
    items = simulated_placement_items(skills, parameters="product", model=model)
    for item in items:
        slip, guess = answer_noise(model, item.skill_id)
        assert item.p_slip == pytest.approx(min(slip, 0.45))
        assert item.p_guess == pytest.approx(min(guess, 0.45))
    with pytest.raises(ValueError, match="parameters must be one of"):
        placement_experiment(graph, population, learners=1, seed=5, parameters="guessed")
