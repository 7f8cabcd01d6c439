# mmpose's YOLOX-Pose tiny, a method this project adds nothing to, on
# synthetic-coco (`easy`) at its native 128x128, as a newcomer to a study
# (docs/comparative_study.md, "What a method needs to join a study"):
# mmpose's network, losses, assigner, EMA and stage-2 switch unchanged; the
# data layout of configs/_base_/datasets/synthetic_coco.py, no pretrained
# backbone (no download), no multi-scale batches, 30 epochs, and this
# project's checkpoint, loss and seed hooks. Not tuned: a study entry, not a
# recipe.
_base_ = [
    'mmpose::body_2d_keypoint/yoloxpose/coco/'
    'yoloxpose_tiny_4xb64-300e_coco-416.py', '../_base_/custom_imports.py'
]
from directpose.utils.config import project_hooks, with_args  # noqa: E402

max_epochs = 30
stage2_epochs = 10
input_size = (128, 128)
data_root = 'data/synthetic-coco-easy/'
codec = dict(_base_.codec, input_size=input_size)

train_cfg = dict(
    max_epochs=max_epochs, val_interval=10, dynamic_intervals=None)
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
param_scheduler = [
    dict(
        type='QuadraticWarmupLR',
        by_epoch=True,
        begin=0,
        end=3,
        convert_to_iter_based=True),
    dict(
        type='CosineAnnealingLR',
        eta_min=0.0002,
        begin=3,
        T_max=max_epochs,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
]

model = dict(
    data_preprocessor=dict(batch_augments=None),
    backbone=dict(init_cfg=None))

# the inherited pipelines at this input size; the training packer without
# `extra_mapping_labels`, an argument that the tiny config of mmpose 1.3.2
# passes but its PackPoseInputs does not take
train_pipeline_stage1, train_pipeline_stage2, val_pipeline = ([
    dict(type='PackPoseInputs') if 'extra_mapping_labels' in t else t
    for t in with_args(
        pipeline, encoder=codec, img_scale=input_size, input_size=input_size)
] for pipeline in (_base_.train_pipeline_stage1, _base_.train_pipeline_stage2,
                   _base_.val_pipeline))
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    pin_memory=False,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/train.json',
        data_prefix=dict(img='train/'),
        pipeline=train_pipeline_stage1))
val_dataloader = dict(
    num_workers=1,
    pin_memory=False,
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/val.json',
        data_prefix=dict(img='val/'),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator

custom_hooks = [
    dict(_base_.custom_hooks[0], num_last_epochs=stage2_epochs,
         new_train_pipeline=train_pipeline_stage2),
    *_base_.custom_hooks[1:],
    # the study tests the trained checkpoint through this project's
    # weights-only loader
    *project_hooks(),
]
