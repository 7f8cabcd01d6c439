# SWAHR on the tiny HigherHRNet, synthetic-coco `standard` (256x256 images,
# 0-12 persons of 8-90% height, textured backgrounds, occlusions): the easy
# config at input 256 (heatmaps 64 and 128), on the standard data.
_base_ = ['./swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py']

max_epochs = 30
input_size = (256, 256)
data_root = 'data/synthetic-coco-standard/'

train_cfg = dict(max_epochs=max_epochs, val_interval=10)
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
    heatmap_size=(64, 64),
    higher_heatmap_sizes=[(128, 128)],
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
train_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator

model = dict(head=dict(decoder=dict(codec, heatmap_size=input_size)))
