# DirectPose R-50-FPN, as in the paper: FCOS on P3-P7 with GN towers, grouped
# KPAlign with separate per-group features (9 body-part groups, 64 channels
# each), the P3 heatmap branch (focal loss, weight 4) during training only,
# no box branch. The leaf configs set the dataset, the pipelines below
# and the schedule (train_cfg).

input_size = (800, 800)
codec = dict(type='YOLOXPoseAnnotationProcessor', input_size=input_size)

# multi-scale training (short side ~480-1600 for COCO images), 800x800 crops
train_pipeline = [
    dict(type='LoadImage'),
    dict(
        type='BottomupRandomAffine',
        input_size=input_size,
        shift_factor=0.1,
        rotate_factor=0,
        scale_factor=(0.6, 2.0),
        scale_type='short',
        distribution='uniform',
        bbox_keep_corner=False,
        clip_border=True),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='FilterAnnotations', by_kpt=True, by_box=True, keep_empty=False),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
# test: the long side to 1333, the short side to 800 at most
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='BottomupResize', input_size=(1333, 800), size_factor=128),
    dict(
        type='PackPoseInputs',
        meta_keys=('id', 'img_id', 'img_path', 'ori_shape', 'img_shape',
                   'input_size', 'input_center', 'input_scale',
                   'flip_indices')),
]

model = dict(
    type='BottomupPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=128),
    backbone=dict(
        type='mmdet.ResNet',
        depth=50,
        num_stages=4,
        out_indices=(1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='mmdet.FPN',
        in_channels=[512, 1024, 2048],
        out_channels=256,
        start_level=0,
        add_extra_convs='on_output',
        num_outs=5,
        relu_before_extra_convs=True),
    head=dict(
        type='DirectPoseHead',
        num_keypoints=17,
        in_channels=256,
        feat_channels=256,
        stacked_convs=4,
        strides=(8, 16, 32, 64, 128),
        assigner=dict(
            type='FCOSAssigner',
            regress_ranges=((-1, 64), (64, 128), (128, 256), (256, 512),
                            (512, 1e8)),
            center_sampling=True,
            center_sample_radius=1.5),
        kpalign=dict(
            type='KPAlign',
            # face | L-shoulder | L-elbow, L-wrist | R-shoulder | R-elbow,
            # R-wrist | L-hip | L-knee, L-ankle | R-hip | R-knee, R-ankle
            groups=[[0, 1, 2, 3, 4], [5], [7, 9], [6], [8, 10], [11], [13, 15],
                    [12], [14, 16]],
            separate_features=True,
            group_channels=64),
        heatmap_branch=dict(
            type='AuxiliaryHeatmapBranch',
            feat_channels=128,
            num_convs=2,
            loss=dict(
                type='mmdet.FocalLoss',
                use_sigmoid=True,
                gamma=2.0,
                alpha=0.25,
                loss_weight=4.0))),
    test_cfg=dict(
        score_thr=0.05,
        nms_pre=1000,
        nms=dict(type='bbox', iou_threshold=0.6),
        max_per_img=20,  # COCO's keypoint maxDets
        flip_test=False))

# SGD as FCOS, for 32 images per batch (8 GPUs x 4)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(bias_lr_mult=2.0, bias_decay_mult=0.0),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=1000),
    dict(type='MultiStepLR', by_epoch=True, milestones=[32, 44], gamma=0.1),
]
auto_scale_lr = dict(base_batch_size=32)
