# SWAHR on HigherHRNet-W32 at input 512, as the official
# experiments/coco/higher_hrnet/w32_512_adam_lr1e-3.yaml: the model, its
# codec and pipelines, from MMPose's ImageNet HRNet-W32. Leaf configs add a
# schedule (_base_/schedules/adam_300e.py) and a dataset, and wire the
# pipelines below.
input_size = (512, 512)

# heatmaps and tags at 1/4, heatmaps at 1/2, sigma 2 at both
codec = dict(
    type='MultiResolutionAssociativeEmbedding',
    input_size=input_size,
    heatmap_size=(128, 128),
    higher_heatmap_sizes=[(256, 256)],
    sigma=2,
    decode_keypoint_order=[
        0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16
    ],
    decode_nms_kernel=5,
    decode_keypoint_thr=0.12,
    decode_tag_thr=1.0,
    decode_topk=30,
    decode_center_shift=0.5,
    decode_max_instances=30)

model = dict(
    type='MultiScaleBottomupPoseEstimator',  # multi-scale test works
    data_preprocessor=dict(
        type='MultiScalePoseDataPreprocessor',  # also image pyramids
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='HRNet',
        in_channels=3,
        extra=dict(
            stage1=dict(
                num_modules=1,
                num_branches=1,
                block='BOTTLENECK',
                num_blocks=(4, ),
                num_channels=(64, )),
            stage2=dict(
                num_modules=1,
                num_branches=2,
                block='BASIC',
                num_blocks=(4, 4),
                num_channels=(32, 64)),
            stage3=dict(
                num_modules=4,
                num_branches=3,
                block='BASIC',
                num_blocks=(4, 4, 4),
                num_channels=(32, 64, 128)),
            stage4=dict(
                num_modules=3,
                num_branches=4,
                block='BASIC',
                num_blocks=(4, 4, 4, 4),
                num_channels=(32, 64, 128, 256))),
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmpose/'
            'pretrain_models/hrnet_w32-36af842e.pth')),
    head=dict(
        type='AEHigherResolutionHead',
        in_channels=32,
        num_keypoints=17,
        tag_dim=1,
        higher_channels=32,
        num_basic_blocks=4,
        cat_output=True,
        scale_branch=dict(type='ScaleMapBranch', kernel_size=9),
        keypoint_loss=dict(
            type='AdaptiveHeatmapLoss',
            use_sahr=True,
            use_wahr=True,
            gamma=0.01,
            scale_loss_weight=1.0),
        tag_loss=dict(type='AssociativeEmbeddingLoss', loss_weight=1e-3),
        # decodes the test-time heatmaps, resized to the input size
        decoder=dict(codec, heatmap_size=input_size)),
    test_cfg=dict(
        multiscale_test=False,  # True with aug_scales in the test resize
        flip_test=True,
        shift_heatmap=False,
        restore_heatmap_size=True,
        align_corners=False))

train_pipeline = [
    dict(type='LoadImage'),
    dict(
        type='BottomupWindowShiftAffine',
        input_size=input_size,
        shift_factor=0.2,  # max_translate 40 of a 200-pixel window
        scale_factor=(0.75, 1.5),
        scale_type='short',
        rotate_factor=30,
        distribution='uniform'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='BottomupGetHeatmapMask'),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(
        type='BottomupPyramidResize',
        input_size=input_size,
        size_factor=64,
        resize_mode='expand'),
    dict(
        type='PackMultiScalePoseInputs',
        meta_keys=('aug_scales', 'id', 'img_id', 'img_path', 'crowd_index',
                   'ori_shape', 'img_shape', 'input_size', 'input_center',
                   'input_scale', 'flip', 'flip_direction', 'flip_indices',
                   'raw_ann_info', 'skeleton_links')),
]
