#!/usr/bin/env bash
# The test command: set up .venv if needed (idempotent), then run pytest.
# Extra arguments go to pytest (``-n 0``: one process). Fails when no test
# ran (pytest exit code 5).
#
# Two pytest-xdist workers, whole files to each (their module fixtures are
# built once): the suite spends much of its time starting interpreters and
# importing torch and mmpose, one core's work, so a second worker uses the
# second core. Each worker runs one intra-op thread (tests/conftest.py).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh
status=0
.venv/bin/python -m pytest -n 2 --dist loadfile "$@" || status=$?
if [[ $status -eq 5 ]]; then
    echo "run_tests: pytest collected no tests" >&2
fi
exit $status
