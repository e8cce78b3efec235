#!/usr/bin/env bash
# The whole test suite, from a fresh machine with Python 3.11: installs what it needs, then runs the
# linters, the type checker, the layer contract and the tests on SQLite and on PostgreSQL.
#
#   bash scripts/test.sh            everything
#   PYTEST_ARGS="-k content" bash scripts/test.sh     a subset (passed to both pytest runs)
#
# PostgreSQL: uses $LEARNPATH_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test).
# Where no server answers there, the PostgreSQL run is skipped with a loud message, except under CI
# (CI=true), where it is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
PG_URL=${LEARNPATH_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
say() { printf '\n== %s\n' "$*"; }

say "Python environment (.venv)"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[dev]'

say "Chromium for the browser tests"
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null; }; then
    echo "!! Could not install Debian's chromium: the browser tests will fail. Install it with: apt-get install chromium"
  fi
fi
/usr/bin/chromium --version || true

say "nginx for the fault test (two app servers behind a proxy)"
if [ ! -x /usr/sbin/nginx ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && SUDO="sudo"
  if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx-light >/dev/null; }; then
    echo "!! Could not install Debian's nginx: the fault test runs one app server instead of two behind a proxy."
  fi
fi

say "ruff (lint and format)"
.venv/bin/ruff check .
.venv/bin/ruff format --check src tests benchmarks scripts

say "mypy (strict on engine and content)"
.venv/bin/mypy

say "import-linter (layers run one way)"
.venv/bin/lint-imports

say "tests on SQLite"
# shellcheck disable=SC2086
.venv/bin/python -m pytest -n 2 --durations=15 ${PYTEST_ARGS:-}

say "tests on PostgreSQL ($PG_URL)"
if .venv/bin/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1], connect_timeout=5).close()
except Exception as error:  # noqa: BLE001 - report any failure to connect
    print(f"cannot connect: {error}")
    sys.exit(1)
PY
then
  # The database-backed tests; the pure engine and content tests do not depend on the database.
  # shellcheck disable=SC2086
  DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -n 2 --durations=15 tests/web tests/cli ${PYTEST_ARGS:-}
else
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!! PostgreSQL is not reachable at $PG_URL: the PostgreSQL run did NOT happen."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  if [ "${CI:-}" = "true" ]; then exit 1; fi
fi
