# DirectPose R-50-FPN on COCO: grouped KPAlign with separate features, the
# training-only heatmap branch, no box branch; the reference recipe (SGD,
# 180k iterations of 32 images, the shorter side 480-1600 with 800x800
# crops); test at the shorter side 800 (longer side at most 1333).
_base_ = [
    '../_base_/schedules/sgd_180k.py', '../_base_/datasets/coco_bottomup.py',
    '../_base_/models/directpose_r50_fpn.py'
]

default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))
train_dataloader = dict(
    batch_size=4, dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = val_dataloader
