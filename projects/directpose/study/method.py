"""One method of a study: train (or load), test, then measure cost and
speed, each stage saved so that an interrupted study goes on from there.

State lives in ``<study work_dir>/<method>/``: ``state.json`` (the stages
done, under the key of the config they were done with), mmengine's logs
and checkpoints, and ``result.json`` (the method's row of the study, a
:class:`~.result.MethodResult`) once all stages are done.
"""
import copy
import hashlib
import json
import os.path as osp
import time
from typing import IO, Optional

from mmengine.config import Config
from mmpose.evaluation import CocoMetric
from tqdm import tqdm

from directpose.benchmark import SpeedMeter, describe_device, memory_kind
from directpose.datasets.synthetic import SYNTHETIC_PRESETS, point_at_dataset
from directpose.deploy import ExportError
from directpose.engine import build_runner, load_config
from directpose.evaluation import subset_ap, subset_size
from directpose.utils import write_json_atomic
from .progress import ProgressBarHook
from .result import (Accuracy, BackendSpeed, Cost, MethodResult, Scenes, Speed,
                     SubsetAP, ValRepeat)
from .spec import MethodSpec, StudySpec


def _digest(obj) -> str:
    text = json.dumps(obj, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def method_config(study: StudySpec, method: MethodSpec) -> Config:
    """The method's config as the study runs it: its work dir under the
    study's, pointed at the study's dataset, with the study-wide and then
    the method's ``cfg_options`` merged in.

    Raises:
        FileNotFoundError: If the config file does not exist.
    """
    if not osp.isfile(method.config):
        raise FileNotFoundError(
            f'{study.path}: method {method.name!r}: config file '
            f'{method.config} does not exist')
    cfg = load_config(
        method.config, work_dir=osp.join(study.work_dir, method.name))
    if study.dataset is not None:
        point_at_dataset(cfg, study.dataset.root)
    cfg.merge_from_dict(study.cfg_options)
    cfg.merge_from_dict(method.cfg_options)
    return cfg


def _test_settings(study: StudySpec) -> Optional[dict]:
    """What the test stage does besides the config's test: the subsets and
    further validation sets; None where it does nothing else."""
    seeds = study.dataset.val_seeds[1:] if study.dataset else ()
    subsets = study.to_dict()['subsets']
    if not seeds and not any(subsets.values()):
        return None
    return dict(subsets=subsets, val_seeds=list(seeds))


def method_keys(study: StudySpec, method: MethodSpec, cfg: Config) -> dict:
    """Digests that say when a stage must be done again: ``model`` (config
    and checkpoint: training), ``test`` (plus the subsets and further
    validation sets), ``speed`` (the model and the speed settings) and
    ``result`` (all of them). A study without subsets or further validation
    sets keeps the keys it had before they existed (``test`` is ``model``,
    ``result`` is ``speed``), so its finished methods stay finished."""
    model = _digest([cfg.to_dict(), method.checkpoint])
    speed = _digest([model, study.to_dict()['speed']])
    settings = _test_settings(study)
    if settings is None:
        return dict(model=model, test=model, speed=speed, result=speed)
    return dict(
        model=model,
        test=_digest([model, settings]),
        speed=speed,
        result=_digest([speed, settings]))


class MethodRun:
    """Runs the stages of one method that are not done yet.

    Args:
        study (StudySpec): The study.
        method (MethodSpec): The method, one of ``study.methods``.
        progress (IO, optional): Where progress bars go (default stderr).
        train_jobs (int): How many trainings, this one's included, share
            the CPU cores (recorded with its training time).
    """

    def __init__(self,
                 study: StudySpec,
                 method: MethodSpec,
                 progress: Optional[IO] = None,
                 train_jobs: int = 1):
        self.study = study
        self.method = method
        self.progress = progress
        self.train_jobs = train_jobs
        self.cfg = method_config(study, method)
        self.keys = method_keys(study, method, self.cfg)
        self.work_dir = self.cfg.work_dir
        self.state_file = osp.join(self.work_dir, 'state.json')
        self.result_file = osp.join(self.work_dir, 'result.json')

    def _load_state(self) -> dict:
        if osp.isfile(self.state_file):
            with open(self.state_file) as f:
                state = json.load(f)
            if state.get('model_key') == self.keys['model']:
                return state
        return dict(model_key=self.keys['model'])

    def _save(self, state: dict) -> None:
        write_json_atomic(state, self.state_file, indent=1)

    def run(self) -> MethodResult:
        """Do the missing stages; returns (and writes) the result."""
        state = self.run_training()
        checkpoint = state['train']['checkpoint']
        # a test of before the test key existed has the model's key
        test = state.get('test')
        if test is None or test.get('key',
                                    self.keys['model']) != self.keys['test']:
            state['test'] = self.test(checkpoint)
            self._save(state)
        if state.get('speed', {}).get('key') != self.keys['speed']:
            state['speed'] = self.measure(checkpoint)
            self._save(state)
        result = self.result(state)
        write_json_atomic(result.to_dict(), self.result_file, indent=1)
        return result

    def run_training(self) -> dict:
        """The training stage alone, unless done; returns the state."""
        state = self._load_state()
        if 'train' not in state:
            # a run of this very config was interrupted: go on from its
            # last checkpoint (never from one of another config)
            resume = state.get('train_started', False) and osp.isfile(
                osp.join(self.work_dir, 'last_checkpoint'))
            state['train_started'] = True
            self._save(state)
            state['train'] = self.train(resume)
            self._save(state)
        return state

    # ------------------------------------------------------------ stages
    def train(self, resume: bool = False) -> dict:
        """Train without validation (the test stage evaluates once); with
        ``resume``, go on from the last checkpoint of an interrupted run.
        A method with a ``checkpoint`` is not trained."""
        if self.method.checkpoint:
            return dict(checkpoint=self.method.checkpoint, seconds=None)
        cfg = copy.deepcopy(self.cfg)
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        if cfg.get('default_hooks', {}).get('checkpoint') is not None:
            cfg.default_hooks.checkpoint.save_best = None
        cfg.resume, cfg.load_from = resume, None
        runner = build_runner(cfg)
        runner.register_hook(ProgressBarHook(self.method.name, self.progress))
        start = time.perf_counter()
        runner.train()
        seconds = time.perf_counter() - start
        with open(osp.join(self.work_dir, 'last_checkpoint')) as f:
            checkpoint = f.read().strip()
        return dict(
            checkpoint=checkpoint, seconds=seconds, train_jobs=self.train_jobs)

    def test(self, checkpoint: str) -> dict:
        """Evaluate ``checkpoint`` with the config's test evaluator; then
        the study's subsets of the validation set, from the keypoint
        results the evaluator wrote (``<work_dir>/test.keypoints.json``),
        and the test on each further validation set.

        Returns:
            dict: The test ``key``, ``metrics``, ``seconds``, ``subsets``
            (:class:`~.result.SubsetAP` fields) and ``repeats`` (``seed``,
            ``metrics``, ``seconds``).
        """
        subsets = self.study.subsets.subsets()
        cfg = copy.deepcopy(self.cfg)
        prefix = osp.join(self.work_dir, 'test')
        if subsets:
            _set_outfile_prefix(cfg, prefix)
        metrics, seconds, metric = self._run_test(cfg, checkpoint)
        if subsets and metric is None:
            raise ValueError(f'{self.method.config}: the study\'s subsets '
                             'need a CocoMetric test evaluator')
        found = []
        for subset in subsets:
            images, persons = subset_size(metric.coco, subset)
            ap = subset_ap(metric.coco, f'{prefix}.keypoints.json', subset,
                           metric.dataset_meta['sigmas'], metric.iou_type,
                           metric.use_area)
            found.append(
                dict(name=subset.name, ap=ap, images=images, persons=persons))
        repeats = []
        roots = self.study.dataset.val_roots() if self.study.dataset else {}
        for seed, root in list(roots.items())[1:]:
            cfg = copy.deepcopy(self.cfg)
            point_at_dataset(cfg, root)
            repeat, repeat_seconds, _ = self._run_test(cfg, checkpoint)
            repeats.append(
                dict(seed=seed, metrics=repeat, seconds=repeat_seconds))
        return dict(
            key=self.keys['test'],
            metrics=metrics,
            seconds=seconds,
            subsets=found,
            repeats=repeats)

    def _run_test(self, cfg: Config, checkpoint: str) -> tuple:
        """``runner.test()`` of ``cfg`` with ``checkpoint``.

        Returns:
            tuple: The metrics, the seconds it took and the evaluator's
            ``CocoMetric`` (its ground truth, sigmas and settings).
        """
        cfg.load_from, cfg.resume = checkpoint, False
        runner = build_runner(cfg)
        runner.register_hook(ProgressBarHook(self.method.name, self.progress))
        start = time.perf_counter()
        metrics = runner.test()
        seconds = time.perf_counter() - start
        metric = next((m for m in runner.test_evaluator.metrics
                       if isinstance(m, CocoMetric)), None)
        return {k: float(v) for k, v in metrics.items()}, seconds, metric

    def measure(self, checkpoint: str) -> dict:
        """Cost (parameters, FLOPs) and speed of the inference model, with
        each backend of the study's ``speed.backend``.

        Returns:
            dict: The speed ``key``; ``device``, ``memory_kind``;
            ``backend``: the first backend; ``backends``: per backend, its
            ``latency`` and ``persons``, or the ``error`` that kept it from
            running (e.g. a head without an ONNX exporter); ``params``,
            ``flops`` and ``input_shape``.
        """
        speed = self.study.speed
        pytorch = SpeedMeter(self.cfg, checkpoint, speed.device)
        complexity = pytorch.complexity(pytorch.batches_from_test_set(1)[0])
        series = speed.warmup + speed.runs
        backends = {}
        with tqdm(
                total=series * (1 + len(speed.persons)) * len(speed.backend),
                desc=f'{self.method.name}: speed',
                file=self.progress,
                dynamic_ncols=True,
                mininterval=1.0) as bar:
            for backend in speed.backend:
                try:
                    meter = pytorch if backend == 'pytorch' else SpeedMeter(
                        self.cfg, checkpoint, speed.device, backend)
                except ExportError as error:
                    backends[backend] = dict(error=f'ExportError: {error}')
                    bar.update(series * (1 + len(speed.persons)))
                    continue
                backends[backend] = self._time(meter, bar.update)
        return dict(
            key=self.keys['speed'],
            device=describe_device(pytorch.device),
            memory_kind=memory_kind(pytorch.device),
            backend=speed.backend[0],
            backends=backends,
            **complexity)

    def _time(self, meter: SpeedMeter, tick) -> dict:
        """Latency on test-set images and on a scene of each person count,
        with the recall at OKS 0.5 over ``speed.images`` such scenes (the
        timed one first) and their ``annotated`` persons."""
        speed = self.study.speed
        images = meter.batches_from_test_set(speed.images)
        latency = meter.time(images, speed.warmup, speed.runs, tick)
        persons = []
        for num in speed.persons:
            scene = (num, speed.persons_image_size, speed.persons_preset)
            # the recall over `images` scenes, the first of them the timed
            scenes, truth = meter.scene(
                *scene, batch_size=speed.images, return_annotations=True)
            persons.append(
                dict(
                    persons=num,
                    **meter.time([meter.scene(*scene)], speed.warmup,
                                 speed.runs, tick),
                    annotated=sum(map(len, truth)),
                    recall=meter.recall(scenes, truth)))
        return dict(latency=latency, persons=persons)

    def result(self, state: dict) -> MethodResult:
        """The method's row, from the state of its finished stages."""
        metrics = state['test']['metrics']
        speed = state['speed']
        scenes = self.study.speed
        return MethodResult(
            name=self.method.name,
            config=self.method.config,
            key=self.keys['result'],
            checkpoint=state['train']['checkpoint'],
            metrics=metrics,
            accuracy=Accuracy.from_metrics(metrics),
            cost=Cost(
                params=speed['params'],
                flops=speed['flops'],
                input_shape=speed['input_shape'],
                train_seconds=state['train']['seconds'],
                test_seconds=state['test']['seconds'],
                train_jobs=state['train'].get('train_jobs', 1)),
            speed=Speed(
                device=speed['device'],
                memory_kind=speed['memory_kind'],
                backend=speed['backend'],
                backends={
                    name: BackendSpeed.from_dict(timed)
                    for name, timed in speed['backends'].items()
                }),
            subsets=[
                SubsetAP(**subset)
                for subset in state['test'].get('subsets', [])
            ],
            val_repeats=[
                ValRepeat(
                    seed=r['seed'],
                    ap=Accuracy.from_metrics(r['metrics']).ap,
                    metrics=r['metrics'])
                for r in state['test'].get('repeats', [])
            ],
            scenes=None if scenes.persons_preset is None else Scenes(
                preset=scenes.persons_preset,
                image_size=scenes.persons_image_size,
                max_persons=SYNTHETIC_PRESETS[
                    scenes.persons_preset].max_persons))


def _set_outfile_prefix(cfg: Config, prefix: str) -> None:
    """Make the test evaluator's ``CocoMetric`` keep its keypoint results
    in ``<prefix>.keypoints.json``."""
    evaluators = cfg.test_evaluator
    for evaluator in (evaluators
                      if isinstance(evaluators, list) else [evaluators]):
        if 'CocoMetric' in str(evaluator.get('type')):
            evaluator.outfile_prefix = prefix
