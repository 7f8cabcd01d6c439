# DirectPose R-50-FPN on COCO: grouped KPAlign with separate features, the
# training-only heatmap branch, no box branch; SGD, 48 epochs, 32 images per
# batch, multi-scale training with 800x800 crops, test at 800 (max 1333).
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/coco_bottomup.py',
    '../_base_/models/directpose_r50_fpn.py'
]

train_cfg = dict(max_epochs=48, val_interval=4)
default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))
train_dataloader = dict(
    batch_size=4, dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = val_dataloader
