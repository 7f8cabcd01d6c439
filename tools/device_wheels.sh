#!/usr/bin/env bash
# Download, here, the wheels that the accelerator machine lacks, into .whl/.
#
# The accelerator machine (see docs/gpu.md) runs Python 3.12 with torch 2.11
# (CUDA 13), torchvision, numpy 2, scipy, opencv-python-headless, matplotlib,
# pillow, pyyaml, rich, tqdm, packaging, six, cython and more, but reaches no
# package registry. What tools/device_check.py needs beyond that travels as
# wheels in .whl/ (ignored by git; it must stay well under the 64 MiB that a
# run may carry):
#
# * mmengine, mmcv-lite, mmdet and mmpose at this project's pins
#   (requirements/runtime.txt); mmpose without chumpy, which nothing imports;
# * their requirements missing from that image: addict, yapf, platformdirs,
#   termcolor, shapely, pycocotools, terminaltables, json-tricks, munkres and
#   setuptools < 81 (mmengine resolves `mmpose::` config paths through
#   pkg_resources);
# * xtcocotools 1.14.3, which has no cp312 wheel on PyPI: built here from its
#   sdist with a Python 3.12 interpreter against numpy 2. Its compiled masks
#   fail under numpy 2 as everywhere; `import directpose` routes them to
#   pycocotools' (directpose/compat/xtcocotools_mask.py).
#
# Then every wheel is checked: its tags install on CPython 3.12 / x86-64
# Linux, one version per project, and every requirement of every wheel is
# either carried or in the image's package list below.
#
# Usage:
#   bash tools/device_wheels.sh            # -> .whl/
#   DEVICE_PYTHON_VERSION=3.11 bash tools/device_wheels.sh /tmp/whl311
#       (the same set for another Python, e.g. to test the set here)
# A Python of that version is looked for as $PY_BUILD, pythonX.Y on the PATH
# or ~/.pyenv/versions/X.Y*/bin/python. Needs the package registries and a C
# compiler; takes about a minute.
#
# On the accelerator machine (run from the repository root, `.whl` carried):
#   python3 -m pip install -q --no-index --no-deps --no-compile \
#       --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
#     && export PYTHONPATH=/tmp/site:$PWD/projects
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${1:-$ROOT/.whl}"
PYVER="${DEVICE_PYTHON_VERSION:-3.12}"
PYTAG="cp${PYVER/./}"

log() { printf '[device_wheels] %s\n' "$*" >&2; }

# pure-Python or cp3XX manylinux wheels; keep in step with requirements/
WHEELS=(
    mmengine==0.10.7 mmcv-lite==2.1.0 mmdet==3.3.0 mmpose==1.3.2
    addict==2.4.0 yapf==0.43.0 platformdirs==4.14.8 termcolor==3.3.0
    shapely==2.2.0 pycocotools==2.0.11 terminaltables==3.1.10
    json-tricks==3.17.3 munkres==3.0.0 setuptools==80.10.2
)
XTCOCOTOOLS=xtcocotools==1.14.3

find_python() {
    local candidate
    for candidate in "${PY_BUILD:-}" "python$PYVER" \
            "$HOME"/.pyenv/versions/"$PYVER"*/bin/python; do
        [[ -n "$candidate" ]] || continue
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c \
                "import sys; assert '%d.%d' % sys.version_info[:2] == '$PYVER'" \
                2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

quiet() {  # run "$@"; show its output only when it fails
    local out
    if ! out="$("$@" 2>&1)"; then
        grep -v 'is ignored: it is neither' <<<"$out" >&2
        log "failed: $*"
        exit 1
    fi
}

rm -rf "$DEST"
mkdir -p "$DEST"
log "downloading ${#WHEELS[@]} wheels for CPython $PYVER into $DEST"
quiet python3 -m pip download --no-deps --only-binary=:all: \
    --python-version "$PYVER" --implementation cp --abi "$PYTAG" \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
    --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 \
    -d "$DEST" "${WHEELS[@]}"

PY="$(find_python)" || {
    log "no Python $PYVER found to build $XTCOCOTOOLS (set PY_BUILD)"
    exit 1
}
log "building $XTCOCOTOOLS with $PY"
BUILD="$(mktemp -d)"
trap 'rm -rf "$BUILD"' EXIT
quiet "$PY" -m venv "$BUILD/venv"
quiet "$BUILD/venv/bin/python" -m pip install "numpy>=2,<3" cython \
    "setuptools<81" wheel
quiet "$BUILD/venv/bin/python" -m pip wheel --no-deps --no-build-isolation \
    --no-binary xtcocotools -w "$DEST" "$XTCOCOTOOLS"

log "checking tags and requirements"
python3 - "$DEST" "$PYVER" <<'EOF'
"""Every wheel installs on CPython X.Y x86-64 Linux, each project comes
once, and each requirement is carried or already on the device image."""
import re
import sys
import zipfile
from pathlib import Path

from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name, parse_wheel_filename

# the image 'cuda' of the accelerator machine, as listed on 2026-11-17
IMAGE = """absl-py accelerate aiofiles aiohappyeyeballs aiohttp aiosignal
annotated-doc anyio attrs botorch build certifi charset-normalizer chex click
cloudpickle cmake colorama contourpy coverage cuda-bindings cuda-core
cuda-pathfinder cuda-toolkit cupy-cuda13x cycler cython diffrax e3nn einops
equinox etils execnet filelock flatbuffers flax fonttools formulaic frozenlist
fsspec gpytorch grpcio h11 h5py hf-xet httpcore httpx huggingface-hub humanize
hypothesis idna imageio iniconfig interface-meta jax jax-cuda13-pjrt
jax-cuda13-plugin jaxlib jaxtyping jinja2 joblib kiwisolver lazy-loader
lightning lightning-utilities linear-operator lineax llvmlite lxml markdown
markdown-it-py markupsafe matplotlib mdurl meson ml-dtypes mpi4py mpmath msgpack
multidict multipledispatch mypy-extensions nanobind narwhals networkx ninja
numba numba-cuda numpy numpyro nvidia-cublas nvidia-cuda-cupti
nvidia-cuda-nvrtc nvidia-cuda-runtime nvidia-cudnn-cu13 nvidia-cufft
nvidia-cufile nvidia-curand nvidia-cusolver nvidia-cusparse
nvidia-cusparselt-cu13 nvidia-ml-py nvidia-nccl-cu13 nvidia-nvjitlink
nvidia-nvshmem-cu13 nvidia-nvtx onnx onnx-ir onnxruntime onnxscript
opencv-python-headless optax opt-einsum opt-einsum-fx optimistix
orbax-checkpoint packaging pandas pathspec patsy peft pillow pip pluggy
portalocker prometheus-client propcache protobuf psutil pyarrow pybind11
py-cpuinfo pygments pyparsing pyproject-hooks pyre-extensions pytest
pytest-benchmark pytest-cov pytest-mock pytest-timeout pytest-xdist
python-dateutil pytorch-lightning pyyaml regex requests rich sacrebleu
safetensors scikit-build-core scikit-image scikit-learn scipy seaborn
sentencepiece sentence-transformers setuptools shellingham simplejson six
sortedcontainers statsmodels sympy tabulate tensorboard
tensorboard-data-server tensorstore threadpoolctl tifffile tiktoken timm
tokenizers toolz torch torchaudio torchdiffeq torch-geometric torchmetrics
torchvision tqdm transformers treescope triton typer typing-extensions
typing-inspect urllib3 uvloop wadler-lindig werkzeug wheel wrapt xarray
xxhash yarl zipp""".split()
# declared but not needed: chumpy (never imported); opencv-python (the
# image's opencv-python-headless provides cv2)
NOT_NEEDED = {'chumpy', 'opencv-python'}

dest, pyver = Path(sys.argv[1]), sys.argv[2]
cp = 'cp' + pyver.replace('.', '')
env = dict(python_version=pyver, python_full_version=pyver + '.0',
           sys_platform='linux', platform_system='Linux',
           platform_machine='x86_64', implementation_name='cpython',
           platform_python_implementation='CPython', os_name='posix',
           extra='')
problems, carried = [], {}
for wheel in sorted(dest.glob('*.whl')):
    name, _, _, tags = parse_wheel_filename(wheel.name)
    name = canonicalize_name(name)
    if name in carried:
        problems.append(f'two wheels of {name}')
    for tag in tags:
        glibc = re.match(r'manylinux_(\d+)_(\d+)_x86_64$', tag.platform)
        ok_python = tag.interpreter in ('py3', cp) or (
            tag.abi == 'abi3' and tag.interpreter.startswith('cp3')
            and int(tag.interpreter[3:]) <= int(cp[3:]))
        ok_abi = tag.abi in ('none', 'abi3', cp)
        ok_platform = tag.platform in (
            'any', 'linux_x86_64', 'manylinux1_x86_64',
            'manylinux2010_x86_64', 'manylinux2014_x86_64') or (
                glibc is not None and (int(glibc[1]), int(glibc[2])) <=
                (2, 34))
        if ok_python and ok_abi and ok_platform:
            break
    else:
        problems.append(f'{wheel.name}: no tag for CPython {pyver} on '
                        'x86-64 Linux')
    with zipfile.ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist()
                    if n.endswith('.dist-info/METADATA'))
        lines = archive.read(meta).decode().splitlines()
    carried[name] = [
        Requirement(line.split(':', 1)[1].strip()) for line in lines
        if line.startswith('Requires-Dist:')
    ]
have = {canonicalize_name(n) for n in IMAGE} | set(carried) | NOT_NEEDED
for name, requirements in sorted(carried.items()):
    for req in requirements:
        if req.marker is not None and not req.marker.evaluate(env):
            continue  # another Python or platform, or an extra
        if canonicalize_name(req.name) not in have:
            problems.append(f'{name} needs {req}, which is neither carried '
                            'nor on the device image')
for problem in problems:
    print(f'[device_wheels] {problem}', file=sys.stderr)
if problems:
    sys.exit(1)
print(f'[device_wheels] {len(carried)} wheels: ' + ', '.join(sorted(carried)),
      file=sys.stderr)
EOF
log "$(du -sh "$DEST" | cut -f1) in $DEST"
