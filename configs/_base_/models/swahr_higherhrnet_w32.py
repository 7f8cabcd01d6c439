# SWAHR on HigherHRNet-W32 at input 512, as the official
# experiments/coco/higher_hrnet/w32_512_adam_lr1e-3.yaml: the network of
# ./swahr_higherhrnet.py from MMPose's ImageNet HRNet-W32 with the official
# head and loss settings, its codec and pipelines. Leaf configs add a
# schedule (_base_/schedules/adam_300e.py) and a dataset, and wire the
# pipelines below.
_base_ = ['./swahr_higherhrnet.py']

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
    backbone=dict(
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmpose/'
            'pretrain_models/hrnet_w32-36af842e.pth')),
    head=dict(
        cat_output=True,
        keypoint_loss=dict(gamma=0.01, scale_loss_weight=1.0),
        # decodes the test-time heatmaps, resized to the input size
        decoder=dict(codec, heatmap_size=input_size)),
    test_cfg=dict(align_corners=False))

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
