#!/usr/bin/env bash
# The whole test suite: lint, types, docs build (runs every example notebook; a cell that raises fails
# the build), tests (unit, property, cross-solver, and the built docs rendered in headless Chromium).
# Usage (after `python3 -m pip install -e ".[dev]"`):  bash check.sh
set -euo pipefail
cd "$(dirname "$0")"
export MPLBACKEND=Agg
export NO_MKDOCS_2_WARNING=1
echo "== ruff";   python3 -m ruff check regionopt tests benchmarks docs/hooks
echo "== mypy";   python3 -m mypy regionopt
echo "== docs (executes the example notebooks)"
SITE_ROOT="$(mktemp -d)"
trap 'rm -rf "$SITE_ROOT"' EXIT
python3 -m mkdocs build --strict --quiet -d "$SITE_ROOT/site"
# tests/test_docs_render.py renders this site instead of building its own
export REGIONOPT_DOCS_SITE="$SITE_ROOT/site"
echo "== pytest (unit, property, cross-solver and rendered-docs tests)"
python3 -m pytest -q -p no:cacheprovider tests
echo "== all checks passed"
