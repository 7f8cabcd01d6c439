#!/usr/bin/env bash
# The test command: set up .venv if needed (idempotent), then run pytest.
# Extra arguments go to pytest. Fails when no test ran (pytest exit code 5).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh
status=0
.venv/bin/python -m pytest "$@" || status=$?
if [[ $status -eq 5 ]]; then
    echo "run_tests: pytest collected no tests" >&2
fi
exit $status
