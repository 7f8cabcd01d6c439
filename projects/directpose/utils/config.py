"""What the configs in ``configs/`` share as code rather than as a base.

MMEngine's text-style configs merge dicts from their ``_base_`` files but
cannot merge lists (pipelines, hooks) nor apply one change to several
parents; a config imports these functions after its ``_base_`` line (a
config that imports before it is read as a pure-Python one), and MMEngine
drops the imported functions from the resolved config.
"""
from typing import List, Optional, Tuple


def project_hooks() -> List[dict]:
    """This project's hooks, which every config here runs after its own:
    checkpoints loadable with ``torch.load(weights_only=True)``, a stop on a
    NaN/inf loss term before it reaches the weights, and per-epoch seeds
    that depend on (seed, epoch) only (an exact ``--resume``)."""
    return [
        dict(type='SafeCheckpointHook'),
        dict(type='NonFiniteLossHook'),
        dict(type='EpochSeedHook'),
    ]


def with_args(pipeline: List[dict], **args) -> List[dict]:
    """``pipeline`` with each of ``args`` replacing the argument of that name
    in every transform that has it, e.g. an inherited pipeline at another
    input size: ``with_args(pipeline, input_size=(128, 128), encoder=codec)``.
    """
    return [
        dict(t, **{
            k: v
            for k, v in args.items() if k in t
        }) for t in pipeline
    ]


def inherited_pipelines(base, **args) -> Tuple[List[dict], List[dict]]:
    """The ``train_pipeline`` and ``val_pipeline`` of ``base`` (a config's
    ``_base_``) through :func:`with_args`: a child at another input size
    writes ``train_pipeline, val_pipeline = inherited_pipelines(_base_,
    input_size=input_size, encoder=codec)``."""
    train, val = (
        with_args(p, **args) for p in (base.train_pipeline, base.val_pipeline))
    return train, val


def with_transform_args(pipeline: List[dict], transform: str,
                        **args) -> List[dict]:
    """``pipeline`` with ``args`` set in its transforms of type
    ``transform``, which must be there."""
    if not any(t['type'] == transform for t in pipeline):
        raise ValueError(f'the pipeline has no {transform}: '
                         f"{[t['type'] for t in pipeline]}")
    return [dict(t, **args) if t['type'] == transform else t for t in pipeline]


def without_random_geometry(pipeline: List[dict]) -> List[dict]:
    """``pipeline`` with its ``BottomupRandomAffine`` drawing no random
    shift, rotation or scale (it still maps the image to the input size; the
    flip and any other augmentation stay): for schedules of a few epochs, in
    which the random geometry slows learning more than it guards against
    over-fitting."""
    return with_transform_args(
        pipeline,
        'BottomupRandomAffine',
        shift_factor=0.,
        rotate_factor=0.,
        scale_factor=(1., 1.))


def crowdpose_dataset(split: str, data_root: str) -> dict:
    """The ``split`` ('trainval', 'test') of CrowdPose as every CrowdPose
    config here reads it: ``{data_root}/annotations/mmpose_crowdpose_{split}
    .json`` (mmpose's annotation files) and the images in
    ``{data_root}/images/``, through the checked dataset."""
    return dict(
        type='CheckedCrowdPoseDataset',
        data_root=data_root,
        ann_file=f'annotations/mmpose_crowdpose_{split}.json',
        data_prefix=dict(img='images/'))


def ending_at(param_scheduler: List[dict],
              max_epochs: int,
              epochs: Optional[int] = None) -> List[dict]:
    """``param_scheduler`` with its last scheduler (the decay after the
    warm-up) ending at epoch ``max_epochs``: its ``end``, and its ``T_max``
    where it has one (a cosine's period), e.g. an inherited schedule
    shortened with the child's ``max_epochs``. With ``epochs``, the decay
    also begins that many epochs before the end (a constant rate until
    then)."""
    *warmup, decay = param_scheduler
    if not decay.get('by_epoch', True):
        raise ValueError(f'the last scheduler counts iterations: {decay}')
    length = dict(end=max_epochs)
    if epochs is not None:
        if not 0 < epochs <= max_epochs:
            raise ValueError(f'a decay of {epochs} epochs does not fit in '
                             f'{max_epochs}')
        length['begin'] = max_epochs - epochs
    if 'T_max' in decay:
        length['T_max'] = length['end'] - length.get('begin', 0)
    return [*warmup, dict(decay, **length)]


def decaying_at_end(warmup: List[dict],
                    max_epochs: int,
                    epochs: int,
                    end_factor: float = 0.02) -> List[dict]:
    """A constant rate after ``warmup`` (its schedulers), then a linear decay
    to ``end_factor`` of it over the last ``epochs`` of ``max_epochs``: the
    short crowd recipes' schedule. A child with another length moves the
    decay with :func:`ending_at`."""
    decay = dict(
        type='LinearLR',
        start_factor=1.0,
        end_factor=end_factor,
        by_epoch=True,
        convert_to_iter_based=True)
    return ending_at([*warmup, decay], max_epochs, epochs=epochs)


def mode_switch_at(custom_hooks: List[dict], epoch: int) -> List[dict]:
    """``custom_hooks`` with the one switch of their ``RTMOModeSwitchHook``
    (the stage-2 loss settings) moved to ``epoch``, e.g. an inherited switch
    kept ``stage2_epochs`` before a child's new ``max_epochs``."""
    hooks = []
    for hook in custom_hooks:
        if hook['type'] == 'RTMOModeSwitchHook':
            if len(hook['epoch_attributes']) != 1:
                raise ValueError('expected an RTMOModeSwitchHook with one '
                                 f'switch, got {hook}')
            (attributes, ) = hook['epoch_attributes'].values()
            hook = dict(hook, epoch_attributes={epoch: attributes})
        hooks.append(hook)
    return hooks


def synthetic_data(
        data_root: str,
        train_pipeline: Optional[List[dict]] = None,
        val_pipeline: Optional[List[dict]] = None) -> Tuple[dict, dict, dict]:
    """What moves an inherited synthetic-coco config to the set in
    ``data_root`` (another preset of tools/dataset/make_synthetic.py, the
    same layout): ``(train_dataloader, val_dataloader, val_evaluator)`` to
    merge into the inherited ones, the dataloaders at ``data_root`` (with
    ``train_pipeline`` and ``val_pipeline`` where given), the evaluator's
    ``ann_file`` at ``{data_root}annotations/val.json``."""
    dataloaders = []
    for pipeline in (train_pipeline, val_pipeline):
        dataset = dict(data_root=data_root)
        if pipeline is not None:
            dataset['pipeline'] = pipeline
        dataloaders.append(dict(dataset=dataset))
    return (*dataloaders, dict(ann_file=data_root + 'annotations/val.json'))
