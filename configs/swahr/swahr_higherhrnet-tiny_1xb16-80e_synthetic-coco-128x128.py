# SWAHR (SAHR + WAHR) on a tiny HigherHRNet, trained from scratch on
# synthetic-coco (`easy`, 128x128 images) on 2 CPU cores. Unbiased data
# processing (UDP) throughout: at 128 pixels a keypoint's OKS tolerance is
# 1-2 pixels, below the quantisation of the 1/2-resolution heatmaps.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/synthetic_coco.py',
    '../_base_/models/swahr_higherhrnet.py'
]

max_epochs = 80
input_size = (128, 128)
heatmap_size = (32, 32)  # 1/4: heatmaps and tags; 1/2: heatmaps

train_cfg = dict(max_epochs=max_epochs, val_interval=10)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(
        interval=10, max_keep_ckpts=1, save_best='coco/AP', rule='greater'))

optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=100),
    dict(
        type='LinearLR',
        start_factor=1.0,
        end_factor=0.02,
        begin=0,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
]

codec = dict(
    type='MultiResolutionAssociativeEmbedding',
    input_size=input_size,
    heatmap_size=heatmap_size,
    higher_heatmap_sizes=[(64, 64)],
    sigma=2,
    use_udp=True,
    decode_keypoint_order=[
        0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13, 14, 15, 16
    ],
    decode_nms_kernel=5,
    decode_keypoint_thr=0.1,
    decode_tag_thr=1.0,
    decode_topk=30,
    decode_center_shift=0.0,
    decode_max_instances=30)

train_pipeline = [
    dict(type='LoadImage'),
    dict(
        type='BottomupRandomAffine',
        input_size=input_size,
        shift_factor=0.2,
        scale_factor=(0.75, 1.5),
        scale_type='short',
        rotate_factor=30,
        distribution='uniform',
        transform_mode='affine_udp'),
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
        size_factor=32,
        resize_mode='expand',
        use_udp=True),
    dict(
        type='PackMultiScalePoseInputs',
        meta_keys=('aug_scales', 'id', 'img_id', 'img_path', 'ori_shape',
                   'img_shape', 'input_size', 'input_center', 'input_scale',
                   'flip', 'flip_direction', 'flip_indices', 'raw_ann_info')),
]
train_dataloader = dict(batch_size=16, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

# HigherHRNet at half of W32's widths, one module a stage, two blocks a
# branch
model = dict(
    backbone=dict(
        extra=dict(
            stage1=dict(num_blocks=(1, ), num_channels=(32, )),
            stage2=dict(num_blocks=(2, 2), num_channels=(16, 32)),
            stage3=dict(
                num_modules=1, num_blocks=(2, 2, 2), num_channels=(16, 32,
                                                                   64)),
            stage4=dict(
                num_modules=1,
                num_blocks=(2, 2, 2, 2),
                num_channels=(16, 32, 64, 128)))),
    head=dict(
        in_channels=16,
        higher_channels=16,
        num_basic_blocks=2,
        # 10x the official 1e-3: in a 2000-iteration schedule the tags stay
        # at their symmetric start (all persons alike) with 1e-3
        tag_loss=dict(loss_weight=1e-2),
        decoder=dict(codec, heatmap_size=input_size)),
    test_cfg=dict(align_corners=True))
