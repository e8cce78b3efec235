"""One access boundary per app (issue 12, decision 0079): the web apps talk only through each other's
``api`` and only downwards in the layers, and ``lint-imports`` holds CI to it.

The first test reads the import graph itself (grimp, import-linter's graph library), so it does not
depend on the contracts being written right; the second checks that the contracts are there and kept.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
#: Lowest first: an app may import the api of an app before it, never one after it.
LAYERS = (
    "accounts",
    "curriculum",
    "learning",
    "agency",
    "coaching",
    "placement",
    "guardians",
    "credentials",
    "xapi",
    "lti",
    "privacy",
)


def _app(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[:2] == ["learnpath", "web"] and parts[2] in LAYERS:
        return parts[2]
    return None


def test_apps_import_only_each_others_api_and_only_downwards() -> None:
    graph = grimp.build_graph("learnpath")
    broken = []
    for importer in sorted(graph.modules):
        importer_app = _app(importer)
        if importer_app is None:
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            imported_app = _app(imported)
            if imported_app is None or imported_app == importer_app:
                continue
            if imported != f"learnpath.web.{imported_app}.api":
                broken.append(f"{importer} -> {imported} (not its api)")
            if LAYERS.index(imported_app) > LAYERS.index(importer_app):
                broken.append(f"{importer} -> {imported} (upwards: {importer_app} is below {imported_app})")
    assert broken == []


def test_the_import_contracts_cover_every_app_and_pass() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = config["contracts"]
    layers = [c for c in contracts if c["type"] == "layers" and c.get("containers") == ["learnpath.web"]]
    assert len(layers) == 1
    assert tuple(reversed(layers[0]["layers"])) == LAYERS
    api_only = {c["source_modules"][0] for c in contracts if c["type"] == "forbidden" and "api" in c["name"]}
    assert api_only == {f"learnpath.web.{app}" for app in LAYERS}
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
