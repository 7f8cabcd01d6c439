# A tiny DirectPose (ResNet-18 at half width, 64-channel FPN and towers)
# that learns synthetic-coco (`easy`) from scratch on 2 CPU cores. Same
# parts as the paper's model (_base_/models/directpose_r50_fpn.py): grouped
# KPAlign with separate features and the training-only heatmap branch.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic_coco.py',
    '../_base_/models/directpose_r50_fpn.py'
]

max_epochs = 40
input_size = (256, 256)
codec = dict(type='YOLOXPoseAnnotationProcessor', input_size=input_size)
gn = dict(type='GN', num_groups=16)

train_cfg = dict(max_epochs=max_epochs, val_interval=10)
default_hooks = dict(
    logger=dict(interval=25), checkpoint=dict(interval=10, max_keep_ckpts=1))
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4),
    paramwise_cfg=dict(norm_decay_mult=0, bias_decay_mult=0),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(
        type='CosineAnnealingLR',
        eta_min=2e-5,
        begin=0,
        T_max=max_epochs,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
]

train_pipeline = [
    dict(type='LoadImage'),
    dict(
        type='BottomupRandomAffine',
        input_size=input_size,
        shift_factor=0.1,
        rotate_factor=10,
        scale_factor=(0.75, 1.25),
        distribution='uniform',
        bbox_keep_corner=False,
        clip_border=True),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='FilterAnnotations', by_kpt=True, by_box=True, keep_empty=False),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupResize', input_size=input_size, size_factor=128),
    dict(
        type='PackPoseInputs',
        meta_keys=('id', 'img_id', 'img_path', 'ori_shape', 'img_shape',
                   'input_size', 'input_center', 'input_scale',
                   'flip_indices')),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

model = dict(
    type='BottomupPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', pad_size_divisor=128),
    backbone=dict(
        depth=18,
        base_channels=32,
        norm_cfg=dict(type='BN', requires_grad=True),
        init_cfg=None),
    neck=dict(in_channels=[64, 128, 256], out_channels=64),
    head=dict(
        in_channels=64,
        feat_channels=64,
        stacked_convs=2,
        norm_cfg=gn,
        kpt_predictor=dict(group_channels=16, use_scale=True),
        heatmap_branch=dict(feat_channels=32, norm_cfg=gn)),
    test_cfg=dict(max_per_img=20))
