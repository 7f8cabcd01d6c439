"""The device check behind ``tools/device_check.py``: does every method
train, evaluate and run on a device, how fast, and in how much memory.

Three sections; every item is timed, its errors are caught, and the report
(JSON, and markdown by :mod:`.device_report`) is rewritten as each item
ends, so that a run cut short still leaves its results:

1. ``tiny``: each method's tiny synthetic config trains ``tiny_iters``
   iterations in fp32 and in mixed precision and is evaluated (COCO AP on
   synthetic-coco ``easy``). Then the first ``reference_iters`` fp32
   iterations run again on the device and, in a second process that sees
   no GPU, on the CPU, both from the same initial weights on the same
   batches (drawn once, saved with the weights), and their losses are
   compared: what differs is the arithmetic only.
2. ``full_size``: ``full_warmup + full_iters`` iterations of the COCO
   configs at their per-GPU batch on synthetic-coco ``standard`` scenes of
   COCO's image size (640x480): seconds per iteration, peak memory, and the
   schedule's wall time projected to 8 GPUs.
3. ``inference``: latency of ``model.test_step`` (normalisation, network,
   decoding, NMS or grouping, rescaling) at each batch size, fp32 and fp16
   (autocast), at a fixed post-processing load (:func:`fixed_load`).

With ``quick`` everything is small and the full-size and inference
sections use the tiny configs instead (a CPU test of the code paths).
"""
import contextlib
import dataclasses
import gc
import io
import json
import math
import os
import os.path as osp
import platform
import subprocess
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmpose.registry import MODELS

from directpose.datasets.synthetic import (SYNTHETIC_PRESETS,
                                           make_synthetic_dataset,
                                           point_at_dataset, render_scene)
from directpose.engine import load_config
from directpose.evaluation.accuracy_columns import accuracy
from directpose.utils import write_json_atomic
from .device_report import format_report
from .probe import (_drop_pretrained, draw_batches, loss_deviation,
                    probe_config, probe_training, schedule_projection)
from .speed import SpeedMeter, describe_device
from .timing import STAGES

# person_keypoints_train2017 images with at least one person
COCO_PERSON_IMAGES = 64115
# (first, last, relative tolerance) of fp32 device losses against the CPU's
# for the same seed: iteration 1 has the same weights and batch, and only
# the order of float sums differs (TF32 off); afterwards the weights differ
# by about lr x the relative gradient differences, which Adam's normalised
# steps and the discrete assignments (SimOTA, FCOS) amplify.
LOSS_TOLERANCES = ((1, 1, 1e-3), (2, 5, 1e-2), (6, 20, 5e-2))

TINY_CONFIGS = {
    'DirectPose':
    'configs/directpose/'
    'directpose_r18-tiny_fpn_1xb8-30e_synthetic-coco-128x128.py',
    'DirectPose-DCC':
    'configs/directpose/'
    'directpose-dcc_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py',
    'RTMO':
    'configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-128x128.py',
    'SWAHR':
    'configs/swahr/'
    'swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py',
}
FULL_SIZE_CONFIGS = {
    'DirectPose R-50 800x800':
    'configs/directpose/directpose_r50_fpn_8xb4-180k_coco-800x800.py',
    'SWAHR W32-512':
    'configs/swahr/swahr_higherhrnet-w32_4xb20-300e_coco-512x512.py',
    'RTMO-s 640': 'configs/rtmo/rtmo-s_8xb32-600e_coco-640x640.py',
}
# name: (config, network input (width, height), published latency)
INFERENCE_MODELS = {
    'DirectPose R-50': (FULL_SIZE_CONFIGS['DirectPose R-50 800x800'],
                        (1333, 800), '74-87 ms per image (paper, its GPU)'),
    'RTMO-s': (FULL_SIZE_CONFIGS['RTMO-s 640'], (640, 640),
               '8.9 ms (mmpose: V100, ONNX Runtime)'),
    'RTMO-l': ('configs/rtmo/rtmo-l_16xb16-600e_coco-640x640.py', (640, 640),
               '19.1 ms (mmpose: V100, ONNX Runtime)'),
    'SWAHR W32': (FULL_SIZE_CONFIGS['SWAHR W32-512'], (512, 512), ''),
}
# --quick: the tiny configs stand in for the full-size ones
QUICK_FULL_SIZE = {
    f'{name} (tiny)': TINY_CONFIGS[name]
    for name in ('DirectPose', 'SWAHR', 'RTMO')
}
QUICK_INFERENCE = {
    f'{name} (tiny)': (TINY_CONFIGS[name], (128, 128), '')
    for name in ('DirectPose', 'RTMO', 'SWAHR')
}
SECTIONS = ('tiny', 'full_size', 'inference')
# With a time budget, the tiny runs share what is left after keeping this
# much for each later item, and each stops training at its share minus the
# time of building its runner and evaluating it.
RESERVE_S = dict(full_size=15.0, inference=15.0)
TINY_OVERHEAD_S = 20.0  # building, data workers, evaluation: on the H200
# the COCO-sized scenes of the full-size section
COCO_SIZED = dataclasses.replace(
    SYNTHETIC_PRESETS['standard'],
    name='standard-640x480',
    image_size=(640, 480))


@dataclasses.dataclass
class CheckSettings:
    """What the device check runs; :meth:`create` gives the defaults of a
    full run or of a quick one (``--quick``)."""

    device: str = 'cuda'
    quick: bool = False
    seed: int = 0
    sections: Tuple[str, ...] = SECTIONS
    methods: Tuple[str, ...] = tuple(TINY_CONFIGS)
    tiny_iters: int = 300
    amp_iters: int = 300
    reference_iters: int = 20
    tiny_batch: Optional[int] = None  # None: the config's
    num_train: int = 400
    num_val: int = 50
    num_workers: int = 2
    coco_sized_images: int = 64
    full_warmup: int = 2
    full_iters: int = 8
    full_batch: Optional[int] = None  # None: each config's per-GPU batch
    infer_warmup: int = 3
    infer_runs: int = 20
    batch_sizes: Tuple[int, ...] = (1, 8)
    precisions: Tuple[str, ...] = ('fp32', 'fp16')  # of inference
    candidates: int = 100
    budget_s: float = 0.0  # 0: no limit (220 for a full CUDA run)
    reference_threads: int = 0  # 0: chosen by the device

    @classmethod
    def create(cls,
               device: str,
               quick: bool = False,
               **overrides) -> 'CheckSettings':
        """The defaults for ``device`` (and ``quick``), then
        ``overrides`` (None values are ignored)."""
        values = dict(device=device, quick=quick)
        if device == 'cuda' and not quick:
            values['budget_s'] = 220.0  # about 4 minutes with start-up
        if quick:
            values.update(
                tiny_iters=3,
                amp_iters=1,
                reference_iters=3,
                tiny_batch=2,
                num_train=16,
                num_val=4,
                num_workers=0,
                full_warmup=1,
                full_iters=2,
                infer_warmup=0,
                infer_runs=1,
                batch_sizes=(1, 2))
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        if settings.reference_threads <= 0:
            settings.reference_threads = (
                torch.get_num_threads() if device == 'cpu' else max(
                    1, min(8, (os.cpu_count() or 2) // 2)))
        return settings


def _log(start: float, message: str) -> None:
    print(
        f'[device_check +{time.perf_counter() - start:6.1f}s] {message}',
        flush=True)


def _tail(error: BaseException, lines: int = 12) -> dict:
    return dict(
        error=f'{type(error).__name__}: {error}',
        traceback=''.join(
            traceback.format_exception(error)).splitlines()[-lines:])


@contextlib.contextmanager
def _no_tf32():
    """No TF32 in CUDA matmuls and convolutions inside; restored after."""
    old = (torch.backends.cuda.matmul.allow_tf32,
           torch.backends.cudnn.allow_tf32)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        (torch.backends.cuda.matmul.allow_tf32,
         torch.backends.cudnn.allow_tf32) = old


def make_data(settings: CheckSettings, data_dir: str) -> Dict[str, str]:
    """Generate the datasets of the check (in parallel processes): 'easy'
    (synthetic-coco ``easy``, for the tiny configs) and, for the full-size
    section of a full run, 'coco_sized' (``standard`` scenes at 640x480).

    Returns:
        dict: Their root folders by key.
    """
    jobs = {
        'easy': (osp.join(data_dir, 'synthetic-coco-easy'), 'easy',
                 settings.num_train, settings.num_val)
    }
    if 'full_size' in settings.sections and not settings.quick:
        jobs['coco_sized'] = (osp.join(data_dir, 'synthetic-coco-640x480'),
                              COCO_SIZED, settings.coco_sized_images, 4)
    # forked before anything touches CUDA; each job is numpy work
    with ProcessPoolExecutor(len(jobs), get_context('fork')) as pool:
        futures = [
            pool.submit(make_synthetic_dataset, root, preset, 'coco', n, v,
                        settings.seed) for root, preset, n, v in jobs.values()
        ]
        for future in futures:
            future.result()
    return {key: job[0] for key, job in jobs.items()}


def initial_weights(data_root: str, name: str) -> str:
    """Where a method's initial weights are saved for its tiny runs (next
    to the data, so that the CPU reference process finds them)."""
    return osp.join(osp.dirname(data_root), 'init', f'{name}.pth')


def reference_batches(data_root: str, name: str) -> str:
    """Where the batches of a method's loss comparison are saved (beside
    its initial weights)."""
    return osp.join(osp.dirname(data_root), 'init', f'{name}-batches.pt')


def save_reference_batches(root: str, name: str, data_root: str,
                           settings: 'CheckSettings') -> None:
    """Draw the ``reference_iters`` batches that the device and the CPU
    both train on, and save them."""
    cfg = tiny_config(root, name, data_root, settings)
    torch.save(
        draw_batches(cfg, settings.reference_iters, settings.seed),
        reference_batches(data_root, name))


def load_reference_batches(data_root: str, name: str) -> List[dict]:
    """The batches of :func:`save_reference_batches` (our own file: data
    samples, so not weights-only)."""
    return torch.load(
        reference_batches(data_root, name), map_location='cpu',
        weights_only=False)


def save_initial_weights(root: str, name: str, data_root: str,
                         seed: int) -> None:
    """Initialise a method's tiny model on the CPU and save it: the device
    and CPU runs then start from the same weights (initialised on a GPU,
    they would come from its own random generator)."""
    cfg = load_config(osp.join(root, TINY_CONFIGS[name]))
    torch.manual_seed(seed)
    # in the config's scope: before any Runner has set one (e.g. with
    # --sections tiny), mmengine would look for the data preprocessor in
    # its own registry only
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmpose')):
        model = MODELS.build(cfg.model)
    model.init_weights()
    path = initial_weights(data_root, name)
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save({'state_dict': model.state_dict()}, path)


def tiny_config(root: str, name: str, data_root: str,
                settings: CheckSettings) -> Config:
    """A method's tiny config, reading ``data_root``, from the saved
    initial weights, with the batch and workers of ``settings`` (the same
    on the device and the CPU)."""
    cfg = load_config(osp.join(root, TINY_CONFIGS[name]))
    point_at_dataset(cfg, data_root)
    cfg.load_from = initial_weights(data_root, name)
    if settings.tiny_batch:
        cfg.train_dataloader.batch_size = settings.tiny_batch
    for loader in ('train_dataloader', 'test_dataloader'):
        cfg[loader].num_workers = settings.num_workers
        cfg[loader].persistent_workers = settings.num_workers > 0
    return cfg


def _quiet_probe(cfg: Config, time_limit_s: Optional[float] = None) -> dict:
    """:func:`probe_training` with pycocotools' prints kept off stdout."""
    with contextlib.redirect_stdout(io.StringIO()):
        return probe_training(cfg, time_limit_s)


def summarize_probe(result: dict, skip: int = 5) -> dict:
    """The figures of a probe run that the report keeps: the first 20
    losses, the last ones, non-finite count, seconds per iteration (median
    after ``skip`` warm-up iterations), memory, loss scale, accuracy."""
    losses = [terms.get('loss', math.nan) for terms in result['losses']]
    timed = result['iter_seconds'][skip:] or result['iter_seconds']
    data = result['data_seconds'][skip:] or result['data_seconds']
    summary = dict(
        precision=result['precision'],
        iters=len(losses),
        stopped_early=result['stopped_early'],
        loss_first=losses[:20],
        loss_terms_first=result['losses'][0] if result['losses'] else {},
        loss_last=float(np.mean(losses[-10:])) if losses else None,
        nonfinite_losses=int(sum(not math.isfinite(x) for x in losses)),
        seconds_per_iter=float(np.median(timed)) if timed else None,
        data_seconds_per_iter=float(np.median(data)) if data else None,
        peak_allocated_mib=result['peak_allocated_mib'],
        peak_reserved_mib=result['peak_reserved_mib'],
        loss_scale=result['loss_scale'],
        seconds=result['seconds'])
    if 'metrics' in result:
        summary['accuracy'] = accuracy(result['metrics'])
    return summary


def fixed_load(cfg: Config, candidates: int) -> str:
    """Fix the post-processing load of a random-weight model, in place.

    With random weights the number of candidates above the configs' score
    thresholds is arbitrary (RTMO's NMS is a Python loop over the kept
    boxes; AE grouping cost follows the keypoints above threshold). Here
    detectors take exactly ``candidates`` locations per image into NMS
    (``score_thr=0``, ``nms_pre=candidates``), and AE models group the
    ``decode_topk`` best peaks of every keypoint type
    (``decode_keypoint_thr=0``).

    Returns:
        str: What was set, for the report.
    """
    decoder = cfg.model.head.get('decoder')
    if decoder is not None and 'decode_keypoint_thr' in decoder:
        decoder.decode_keypoint_thr = 0.0
        return (f"AE grouping of the {decoder.get('decode_topk', 30)} best "
                'peaks per keypoint type (decode_keypoint_thr=0)')
    test_cfg = cfg.model.setdefault('test_cfg', {})
    test_cfg.score_thr = 0.0
    test_cfg.nms_pre = candidates
    head = cfg.model.head
    if head.type in ('DirectPoseHead', 'FCOSPoseHead'):  # nms_pre per level
        test_cfg.nms_pre = candidates // len(head.get('strides', range(5)))
    return (f'{candidates} candidates per image into NMS (score_thr=0, '
            f'nms_pre={test_cfg.nms_pre})')


def run_cpu_reference(root: str, settings: CheckSettings, data_root: str,
                      out_json: str) -> None:
    """The first ``reference_iters`` fp32 losses of each method on the CPU
    (run in a process that sees no GPU), on the batches and from the
    weights that the device run saved; written after each method."""
    torch.set_num_threads(settings.reference_threads)
    results = {}
    for name in settings.methods:
        start = time.perf_counter()
        try:
            cfg = probe_config(
                tiny_config(root, name, data_root, settings),
                settings.reference_iters,
                osp.join(osp.dirname(out_json), 'work', f'cpu-{name}'),
                f'device-check-cpu-{name}',
                seed=settings.seed)
            result = probe_training(
                cfg, batches=load_reference_batches(data_root, name))
            results[name] = dict(
                losses=[t.get('loss', math.nan) for t in result['losses']],
                seconds=time.perf_counter() - start)
        except Exception as error:  # recorded; the other methods go on
            results[name] = _tail(error)
        write_json_atomic(results, out_json, indent=1)


class DeviceCheck:
    """Runs the sections and keeps the report.

    Args:
        settings (CheckSettings): What to run.
        root (str): The repository root (configs are relative to it).
        out_dir (str): Where ``device_check.json`` and ``device_check.md``
            go.
        work_dir (str): Data, logs and the CPU reference's files.
        reference_cmd (Callable): Given the reference JSON path, the
            command line of the CPU reference process.
    """

    def __init__(self, settings: CheckSettings, root: str, out_dir: str,
                 work_dir: str, reference_cmd: Callable[[str], List[str]]):
        self.settings = settings
        self.root = root
        self.out_dir = out_dir
        self.work_dir = work_dir
        self.reference_cmd = reference_cmd
        self.start = time.perf_counter()
        self.sections_done = set()
        self.cuda = settings.device == 'cuda'
        # nothing here touches CUDA: make_data forks its workers later
        self.report = dict(
            version=1,
            started=time.strftime('%Y-%m-%d %H:%M:%S %Z'),
            device=settings.device,
            torch=torch.__version__,
            cuda=torch.version.cuda,
            python=platform.python_version(),
            cpu_count=os.cpu_count(),
            settings=dataclasses.asdict(settings),
            loss_tolerances=[list(t) for t in LOSS_TOLERANCES],
            coco_person_images=COCO_PERSON_IMAGES,
            tiny={},
            full_size={},
            inference={},
            checks=[],
            errors=[],
            finished=False)

    # ------------------------------------------------------------ helpers
    def log(self, message: str) -> None:
        _log(self.start, message)

    def remaining(self) -> float:
        if self.settings.budget_s <= 0:
            return math.inf
        return self.settings.budget_s - (time.perf_counter() - self.start)

    def reserve(self) -> float:
        """Seconds kept for the full-size and inference items not run
        yet."""
        s = self.settings
        full = QUICK_FULL_SIZE if s.quick else FULL_SIZE_CONFIGS
        models = QUICK_INFERENCE if s.quick else INFERENCE_MODELS
        todo = set(s.sections) - self.sections_done
        return (RESERVE_S['full_size'] * len(full) * ('full_size' in todo) +
                RESERVE_S['inference'] * len(models) * ('inference' in todo))

    def tiny_time_limit(self, items_left: int) -> Optional[float]:
        """Training seconds of the next tiny run: its share of the budget
        (None without one)."""
        left = self.remaining() - self.reserve()
        if math.isinf(left):
            return None
        return max(left / items_left - TINY_OVERHEAD_S, 3.0)

    def save(self) -> None:
        self.report['elapsed_s'] = time.perf_counter() - self.start
        write_json_atomic(
            self.report, osp.join(self.out_dir, 'device_check.json'), indent=1)
        with open(osp.join(self.out_dir, 'device_check.md.tmp'), 'w') as f:
            f.write(format_report(self.report))
        os.replace(
            osp.join(self.out_dir, 'device_check.md.tmp'),
            osp.join(self.out_dir, 'device_check.md'))

    def check(self, name: str, ok: Optional[bool], detail: str) -> None:
        """Record a check: True passed, False failed, None not decidable."""
        self.report['checks'].append(dict(name=name, ok=ok, detail=detail))
        self.log(f"check {name}: {'ok' if ok else ok} ({detail})")

    def item(self, section: str, key: Sequence[str], fn: Callable[[], dict],
             min_seconds: float) -> Optional[dict]:
        """Run one item unless the budget is spent; its result (or error)
        goes to ``report[section][key[0]][key[1]]...``."""
        label = ' / '.join(key)
        target = self.report[section]
        for part in key[:-1]:
            target = target.setdefault(part, {})
        if self.remaining() < min_seconds:
            target[key[-1]] = dict(skipped='time budget spent')
            self.log(f'{section}: {label}: skipped (budget)')
            self.save()
            return None
        self.log(f'{section}: {label} ...')
        start = time.perf_counter()
        try:
            result = fn()
        except Exception as error:  # recorded; the check goes on
            result = _tail(error)
            self.report['errors'].append(
                dict(item=f'{section}: {label}', error=result['error']))
            self.log(f"{section}: {label}: {result['error']}")
        finally:
            gc.collect()
            if self.cuda:
                with contextlib.suppress(Exception):  # a sticky CUDA error
                    torch.cuda.empty_cache()
        result['wall_s'] = time.perf_counter() - start
        target[key[-1]] = result
        self.log(f'{section}: {label} done in {result["wall_s"]:.1f}s')
        self.save()
        return result

    # ------------------------------------------------------------ sections
    def run(self) -> int:
        """Run the sections; returns 0 if every check passed and nothing
        failed, else 1."""
        os.makedirs(self.out_dir, exist_ok=True)
        os.makedirs(self.work_dir, exist_ok=True)
        self.log(f'settings {dataclasses.asdict(self.settings)}')
        # generated by forked processes, before CUDA is initialised
        self.data = make_data(self.settings, osp.join(self.work_dir, 'data'))
        self.log(f'data ready: {self.data}')
        self.report['device'] = describe_device(self.settings.device)
        if self.cuda:
            self.report['tf32_default'] = dict(
                matmul=torch.backends.cuda.matmul.allow_tf32,
                cudnn=torch.backends.cudnn.allow_tf32)
        self.log(f"{self.report['device']}, torch {torch.__version__}")
        self.save()
        # the full-size figures first: the tiny runs take what time is left
        if 'full_size' in self.settings.sections:
            self.run_full_size()
            self.sections_done.add('full_size')
        if 'inference' in self.settings.sections:
            self.run_inference()
            self.sections_done.add('inference')
        if 'tiny' in self.settings.sections:
            self.run_tiny()
        self.report['finished'] = True
        self.save()
        failed = [c['name'] for c in self.report['checks'] if c['ok'] is False]
        self.log(f"finished: {len(self.report['errors'])} errors, failed "
                 f'checks: {failed or "none"}')
        return int(bool(failed or self.report['errors']))

    def run_tiny(self) -> None:
        s = self.settings
        ref_json = osp.join(self.work_dir, 'cpu_reference.json')
        if osp.exists(ref_json):
            os.remove(ref_json)
        env = dict(
            os.environ,
            CUDA_VISIBLE_DEVICES='',
            OMP_NUM_THREADS=str(s.reference_threads))
        for name in s.methods:
            save_initial_weights(self.root, name, self.data['easy'], s.seed)
            save_reference_batches(self.root, name, self.data['easy'], s)
        log_path = osp.join(self.work_dir, 'cpu_reference.log')
        with open(log_path, 'w') as log:
            proc = subprocess.Popen(
                self.reference_cmd(ref_json),
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT)
        items_left = 2 * len(s.methods)
        for name in s.methods:
            self.report['tiny'].setdefault(name, {})['config'] = \
                TINY_CONFIGS[name]
            for precision, iters in (('fp32', s.tiny_iters), ('amp',
                                                              s.amp_iters)):
                limit = self.tiny_time_limit(items_left)
                items_left -= 1

                def train(name=name,
                          precision=precision,
                          iters=iters,
                          limit=limit):
                    probe = probe_config(
                        tiny_config(self.root, name, self.data['easy'], s),
                        iters,
                        osp.join(self.work_dir, 'work', f'{name}-{precision}'),
                        f'device-check-{name}-{precision}',
                        precision,
                        seed=s.seed,
                        evaluate=True)
                    # fp32 without TF32, for the comparison with the CPU;
                    # AMP with PyTorch's defaults
                    with (_no_tf32() if precision == 'fp32' else
                          contextlib.nullcontext()):
                        result = summarize_probe(_quiet_probe(probe, limit))
                    return dict(result, time_limit_s=limit)

                self.item('tiny', (name, precision), train, 15)

            def same_batches(name=name):
                probe = probe_config(
                    tiny_config(self.root, name, self.data['easy'], s),
                    s.reference_iters,
                    osp.join(self.work_dir, 'work', f'{name}-same-batches'),
                    f'device-check-{name}-same-batches',
                    seed=s.seed)
                with _no_tf32():
                    result = probe_training(
                        probe,
                        batches=load_reference_batches(
                            self.data['easy'], name))
                return dict(
                    losses=[t.get('loss', math.nan) for t in result['losses']])

            self.item('tiny', (name, 'same_batches'), same_batches, 5)
        self.finish_reference(proc, ref_json, log_path)
        self.tiny_checks()

    def finish_reference(self, proc: subprocess.Popen, ref_json: str,
                         log_path: str) -> None:
        """Wait for the CPU reference (while the budget allows) and store
        its losses."""
        try:
            proc.wait(
                timeout=min(max(self.remaining() - self.reserve(), 5), 600))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            self.log('CPU reference stopped: out of time')
        reference = {}
        if osp.exists(ref_json):
            with open(ref_json) as f:
                reference = json.load(f)
        if proc.returncode != 0:
            with open(log_path) as f:
                tail = f.read().splitlines()[-12:]
            self.report['errors'].append(
                dict(
                    item='tiny: CPU reference',
                    error=f'exit code {proc.returncode}',
                    log=tail))
        for name in self.settings.methods:
            self.report['tiny'].setdefault(name, {})['cpu_reference'] = \
                reference.get(name, dict(error='no result'))
        self.save()

    def tiny_checks(self) -> None:
        for name, entry in self.report['tiny'].items():
            for precision in ('fp32', 'amp'):
                run = entry.get(precision, {})
                if 'loss_first' not in run:  # failed, or skipped: undecided
                    self.check(f'{name} {precision}: trains',
                               False if 'error' in run else None,
                               run.get('error', run.get('skipped', '?')))
                    continue
                ap = run.get('accuracy', {}).get('AP')
                self.check(
                    f'{name} {precision}: finite losses and AP',
                    run['nonfinite_losses'] == 0 and ap is not None
                    and math.isfinite(ap),
                    f"{run['nonfinite_losses']} non-finite losses in "
                    f"{run['iters']} iterations, AP {ap}")
            reference = entry.get('cpu_reference', {}).get('losses')
            device = entry.get('same_batches', {}).get('losses')
            if not reference or not device:
                self.check(f'{name} fp32: losses as on the CPU', None,
                           'nothing to compare')
                continue
            deviation = loss_deviation(reference, device, LOSS_TOLERANCES)
            entry['deviation'] = deviation
            maxima = ', '.join(f'{k}: {v:.2e}'
                               for k, v in deviation['max'].items())
            if self.cuda:
                self.check(f'{name} fp32: losses as on the CPU',
                           deviation['within'],
                           f'max relative deviation {maxima}')
            else:  # the same computation twice: identical
                self.check(
                    f'{name} fp32: same batches, same losses (two CPU '
                    'processes)',
                    max(deviation['relative']) == 0.0,
                    f'max relative deviation {maxima}')
        self.save()

    def run_full_size(self) -> None:
        s = self.settings
        configs = QUICK_FULL_SIZE if s.quick else FULL_SIZE_CONFIGS
        data_root = self.data['easy' if s.quick else 'coco_sized']
        for name, path in configs.items():

            def train(path=path, name=name):
                return self.full_size_item(path, name, data_root)

            self.item('full_size', (name, ), train, 20)

    def full_size_item(self, path: str, name: str, data_root: str) -> dict:
        s = self.settings
        cfg = load_config(osp.join(self.root, path))
        schedule = dict(
            epochs=cfg.train_cfg.get('max_epochs'),
            max_iters=cfg.train_cfg.get('max_iters'))
        if s.full_batch or s.quick:
            cfg.train_dataloader.batch_size = s.full_batch or s.tiny_batch
        batch = int(cfg.train_dataloader.batch_size)
        iters = s.full_warmup + s.full_iters
        with open(osp.join(data_root, 'annotations', 'train.json')) as f:
            num_images = len(json.load(f)['images'])
        inner = cfg.train_dataloader.dataset
        inner.data_root = data_root
        inner.ann_file = 'annotations/train.json'
        inner.data_prefix = dict(img='train/')
        # one pass over the data covers all iterations: no epoch restarts
        cfg.train_dataloader.dataset = dict(
            type='RepeatDataset',
            times=math.ceil((iters + 1) * batch / num_images),
            dataset=inner)
        workers = min(
            cfg.train_dataloader.get('num_workers', 0),
            os.cpu_count() or 1)
        if s.quick:
            workers = 0
        cfg.train_dataloader.num_workers = workers
        cfg.train_dataloader.persistent_workers = workers > 0
        probe = probe_config(
            cfg,
            iters,
            osp.join(self.work_dir, 'work', name),
            f'device-check-full-{name}',
            seed=s.seed)
        result = _quiet_probe(probe)
        timed = result['iter_seconds'][s.full_warmup:]
        data = result['data_seconds'][s.full_warmup:]
        seconds = float(np.median(timed))
        return dict(
            config=path,
            per_gpu_batch=batch,
            num_workers=workers,
            iters_timed=len(timed),
            seconds_per_iter=seconds,
            seconds_per_iter_all=timed,
            data_seconds_per_iter=float(np.median(data)),
            images_per_second=batch / seconds,
            peak_allocated_mib=result['peak_allocated_mib'],
            peak_reserved_mib=result['peak_reserved_mib'],
            loss_first=[t.get('loss', math.nan) for t in result['losses']],
            projection_8_gpus=schedule_projection(seconds, batch,
                                                  COCO_PERSON_IMAGES, 8,
                                                  **schedule))

    def run_inference(self) -> None:
        s = self.settings
        models = QUICK_INFERENCE if s.quick else INFERENCE_MODELS
        scenes: Dict[tuple, List[np.ndarray]] = {}
        for name, (path, size, published) in models.items():
            if size not in scenes:
                scenes[size] = [
                    render_scene(5, size, seed=[s.seed, i],
                                 preset='standard')[0]
                    for i in range(max(s.batch_sizes))
                ]

            def build(path=path, size=size, published=published):
                cfg = load_config(osp.join(self.root, path))
                _drop_pretrained(cfg.model)
                load = fixed_load(cfg, s.candidates)
                self.meter = SpeedMeter(cfg, None, s.device)
                batch = self.meter.batch_at_input_size(scenes[size][:1])
                with torch.no_grad():
                    padded = self.meter.model.data_preprocessor(
                        batch, False)['inputs']
                return dict(
                    config=path,
                    input_size=list(size),
                    padded_input=list(padded.shape[-2:][::-1]),
                    flip_test=bool(
                        self.meter.cfg.model.get('test_cfg',
                                                 {}).get('flip_test', False)),
                    postprocess_load=load,
                    published=published,
                    params_m=sum(p.numel()
                                 for p in self.meter.model.parameters()) / 1e6)

            self.meter = None
            if self.item('inference', (name, 'model'), build, 10) is None \
                    or self.meter is None:
                continue
            for precision in s.precisions:
                for batch_size in s.batch_sizes:

                    def measure(precision=precision,
                                batch_size=batch_size,
                                size=size):
                        return self.time_inference(scenes[size][:batch_size],
                                                   precision)

                    self.item('inference', (name, precision, str(batch_size)),
                              measure, 5)
            self.meter = None

    def time_inference(self, images: Sequence[np.ndarray],
                       precision: str) -> dict:
        s = self.settings
        batch = self.meter.batch_at_input_size(images)
        runs = s.infer_runs if len(images) == 1 else max(1, s.infer_runs // 2)
        with torch.autocast(
                s.device, dtype=torch.float16, enabled=precision == 'fp16'):
            timed = self.meter.time([batch], s.infer_warmup, runs)
        total = timed['total']['median']
        return dict(
            batch=len(images),
            runs=runs,
            ms_per_batch=total,
            ms_per_image=total / len(images),
            ms_iqr=timed['total']['iqr'],
            network_ms=sum(timed[k]['median'] for k in STAGES[:-1]),
            postprocess_ms=timed['postprocess']['median'],
            stages_ms={k: timed[k]['median']
                       for k in STAGES},
            persons=timed['instances']['median'],
            memory_mib=timed['memory_mib'])


__all__ = [
    'COCO_PERSON_IMAGES', 'CheckSettings', 'DeviceCheck', 'LOSS_TOLERANCES',
    'fixed_load', 'make_data', 'run_cpu_reference', 'summarize_probe',
    'tiny_config'
]
