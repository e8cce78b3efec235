#!/usr/bin/env bash
# Creates benchmarks/.venv-pybkt with the peer BKT library, pyBKT 1.4.3, in its own virtual environment.
# pyBKT 1.4.3 fails on numpy 2 and scikit-learn >= 1.6, so it cannot share learnpath's environment:
# it needs numpy<2, pandas<2.2, scikit-learn<1.6 (pins below, and only here).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv-pybkt"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip setuptools wheel
"$venv/bin/python" -m pip install --quiet "numpy<2" "pandas<2.2" "scikit-learn<1.6"
# pyBKT builds its C++ extension at install time; --no-build-isolation lets it see numpy<2 above.
"$venv/bin/python" -m pip install --quiet --no-build-isolation "pyBKT==1.4.3"
"$venv/bin/python" -c "import pyBKT, numpy; from pyBKT.models import Model; print('pyBKT ready, numpy', numpy.__version__)"
