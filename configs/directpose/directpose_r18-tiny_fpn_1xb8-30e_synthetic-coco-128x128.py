# The tiny DirectPose at the native size of synthetic-coco `easy` (128x128)
# with a shorter schedule: the model of the main job
# (configs/studies/synthetic_quick.py), a few minutes on 2 CPU cores.
_base_ = ['./directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py']

max_epochs = 30
input_size = (128, 128)
codec = dict(type='YOLOXPoseAnnotationProcessor', input_size=input_size)

train_cfg = dict(max_epochs=max_epochs, val_interval=10)
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
