# DirectPose R-50-FPN as the reference recipe (GluonCV's
# ms_aa_resnet50_4x_syncbn.yaml; docs/recipes.md lists every setting and its
# source): FCOS on P3-P7 with GN towers, grouped KPAlign with separate
# per-group features (9 body-part groups, 64 channels each), the P3 heatmap
# branch (focal loss, weight 4) during training only, no box branch, a SyncBN
# ResNet with nothing frozen. Leaf configs add a schedule
# (_base_/schedules/) and a dataset, and wire the pipelines below.

input_size = (800, 800)  # the training crop
codec = dict(type='YOLOXPoseAnnotationProcessor', input_size=input_size)

# the shorter side uniform in 480-1600 (the longer at most 2666), flip, then
# an 800x800 crop around a random person
train_pipeline = [
    dict(type='LoadImage'),
    dict(
        type='BottomupShortSideResize',
        short_side=(480, 1600),
        max_long_side=2666),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='BottomupInstanceCrop', crop_size=input_size),
    dict(type='FilterAnnotations', by_kpt=True, by_box=True, keep_empty=False),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
# test: the shorter side 800, the longer at most 1333, padded to a multiple
# of the largest stride
test_resize = dict(
    type='BottomupShortSideResize',
    short_side=800,
    max_long_side=1333,
    size_factor=128)
val_pipeline = [
    dict(type='LoadImage'),
    test_resize,
    dict(
        type='PackMultiScalePoseInputs',
        meta_keys=('id', 'img_id', 'img_path', 'ori_shape', 'img_shape',
                   'input_size', 'input_center', 'input_scale',
                   'flip_indices', 'aug_scales', 'aug_input_sizes')),
]

norm_cfg = dict(type='GN', num_groups=32)
model = dict(
    type='MultiScaleBottomupPoseEstimator',  # multi-scale test works
    data_preprocessor=dict(
        type='MultiScalePoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=32),
    backbone=dict(
        type='mmdet.ResNet',
        depth=50,
        num_stages=4,
        out_indices=(1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        norm_eval=False,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(
        type='mmdet.FPN',
        in_channels=[512, 1024, 2048],
        out_channels=256,
        start_level=0,
        add_extra_convs='on_output',  # P6, P7 from P5
        num_outs=5,
        relu_before_extra_convs=True),
    head=dict(
        type='DirectPoseHead',
        num_keypoints=17,
        in_channels=256,
        feat_channels=256,
        stacked_convs=4,
        strides=(8, 16, 32, 64, 128),
        norm_cfg=norm_cfg,
        assigner=dict(
            type='FCOSAssigner',
            regress_ranges=((-1, 64), (64, 128), (128, 256), (256, 512),
                            (512, 1e8)),
            center_sampling=True,
            center_sample_radius=1.5),
        # the annotated person box (the reference recipe: the box spanned
        # by the visible keypoints); chosen by the ablation in
        # docs/recipes.md
        assign_by='bbox',
        kpt_predictor=dict(
            type='KPAlignPredictor',
            groups='coco',
            separate_features=True,
            group_channels=64,
            use_scale=False),
        heatmap_branch=dict(
            type='AuxiliaryHeatmapBranch',
            feat_channels=128,
            num_convs=2,
            norm_cfg=norm_cfg,
            loss=dict(
                type='mmdet.FocalLoss',
                use_sigmoid=True,
                gamma=2.0,
                alpha=0.25,
                loss_weight=4.0))),
    test_cfg=dict(
        score_thr=0.05,  # on the person probability, per level
        nms_pre=1000,  # per level
        nms=dict(type='bbox', iou_threshold=0.6),
        max_per_img=100,
        flip_test=False,
        multiscale_test=False))
