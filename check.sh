#!/usr/bin/env bash
# The whole test suite: lint, types, tests, example notebooks, docs build.
# Usage (after `python3 -m pip install -e ".[dev]"`):  bash check.sh
set -euo pipefail
cd "$(dirname "$0")"
export MPLBACKEND=Agg
export NO_MKDOCS_2_WARNING=1
echo "== ruff";   python3 -m ruff check regionopt tests benchmarks
echo "== mypy";   python3 -m mypy regionopt
echo "== pytest (unit, property and notebook tests)"
python3 -m pytest -q -p no:cacheprovider tests --nbmake examples
echo "== docs";   python3 -m mkdocs build --strict --quiet -d "$(mktemp -d)/site"
echo "== all checks passed"
