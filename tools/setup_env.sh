#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment in .venv.
#
# Idempotent: the environment is rebuilt only when the requirements, the
# packaging files or this script changed since it was last completed, so a
# second call returns in a second.  Everything comes from the package
# registries; nothing is compiled but xtcocotools (a few seconds).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${DIRECTPOSE_VENV:-$ROOT/.venv}"
PY="${BASE_PYTHON:-python3}"  # the interpreter the venv is made from
cd "$ROOT"

inputs=(requirements/runtime.txt requirements/tests.txt
        requirements/tests_no_deps.txt setup.cfg pyproject.toml
        tools/setup_env.sh)
digest="$(cat "${inputs[@]}" | sha256sum | cut -c1-16)"
stamp="$VENV/.directpose-setup-$digest"
if [[ -f "$stamp" ]]; then
    exit 0
fi

log() { printf '[setup] %s\n' "$*" >&2; }
if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV with $("$PY" --version 2>&1)"
    "$PY" -m venv "$VENV"
fi
install() {  # pip install "$@"; its output is shown only when it fails
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check "$@" \
            >"$VENV/setup.log" 2>&1; then
        grep -v 'is ignored: it is neither' "$VENV/setup.log" >&2
        log "pip install $* failed (full log: $VENV/setup.log)"
        exit 1
    fi
}

# Build tools first: mmengine and mmcv import pkg_resources (setuptools < 81),
# and xtcocotools compiles against the installed numpy 2.
log "build tools"
install "setuptools<81" wheel cython "numpy>=2,<3"
# The PyPI wheel of xtcocotools was built against numpy 1.x and crashes under
# numpy 2, so it is built from its sdist against the numpy installed above.
log "xtcocotools from source"
install --no-binary xtcocotools --no-build-isolation \
    "$(grep -E '^xtcocotools' requirements/runtime.txt)"
# mmpose declares chumpy, an sdist whose setup.py imports pip: it builds only
# without build isolation.  Nothing we use imports it.
log "runtime and test requirements (torch is taken from local disk)"
install --no-build-isolation -r requirements/runtime.txt -r requirements/tests.txt
# rtmlib (the test that runs our RTMO export as rtmlib runs the official one)
# declares opencv-contrib-python, which would replace opencv-python's cv2: it
# is installed without its dependencies, which runtime.txt already holds.
log "test requirements without their dependencies"
install --no-deps -r requirements/tests_no_deps.txt
log "the directpose package (editable)"
install --no-build-isolation --no-deps -e .
"$VENV/bin/python" -c "import directpose, mmpose.models, mmdet.models, xtcocotools.coco" \
    || { log "the environment in $VENV does not import; see docs/install.md"; exit 1; }
rm -f "$VENV"/.directpose-setup-*
touch "$stamp"
log "ready: $VENV"
