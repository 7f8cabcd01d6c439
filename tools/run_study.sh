#!/usr/bin/env bash
# The main job: set up .venv if needed, make synthetic-coco (`crowd`, and its
# second validation set) if absent, then train, evaluate and compare the tiny
# DirectPose, RTMO and SWAHR configs (configs/studies/synthetic_crowd.py),
# the three trainings side by side (on 2 cores, one thread each: faster in
# all than one after another at two threads; docs/comparative_study.md,
# "Trainings side by side"). Extra arguments go to tools/compare.py; results
# land in work_dirs/synthetic_crowd/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh
exec .venv/bin/python tools/compare.py configs/studies/synthetic_crowd.py --train-jobs 3 "$@"
