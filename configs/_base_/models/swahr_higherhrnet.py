# The SWAHR network (scale-adaptive heatmaps from a scale-map branch,
# weight-adaptive loss, associative-embedding tags) on HigherHRNet at width
# 32 from scratch, with multi-scale test support: what the official W32
# model (./swahr_higherhrnet_w32.py) and the tiny synthetic one
# (configs/swahr/swahr_higherhrnet-tiny_*) share. They add the codec, the
# decoder and the pipelines at their input sizes.
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
                num_channels=(32, 64, 128, 256)))),
    head=dict(
        type='AEHigherResolutionHead',
        in_channels=32,
        num_keypoints=17,
        tag_dim=1,
        higher_channels=32,
        num_basic_blocks=4,
        scale_branch=dict(type='ScaleMapBranch', kernel_size=9),
        keypoint_loss=dict(
            type='AdaptiveHeatmapLoss', use_sahr=True, use_wahr=True),
        tag_loss=dict(type='AssociativeEmbeddingLoss', loss_weight=1e-3)),
    test_cfg=dict(
        multiscale_test=False,  # True with aug_scales in the test resize
        flip_test=True,
        shift_heatmap=False,
        restore_heatmap_size=True))
