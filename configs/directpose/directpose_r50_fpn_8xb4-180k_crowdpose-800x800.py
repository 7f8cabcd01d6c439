# DirectPose R-50-FPN on CrowdPose (14 keypoints): trainval -> test, with the
# COCO recipe (no reference recipe exists for CrowdPose; docs/recipes.md).
_base_ = [
    '../_base_/schedules/sgd_180k.py',
    '../_base_/datasets/crowdpose_bottomup.py',
    '../_base_/models/directpose_r50_fpn.py'
]

model = dict(
    head=dict(num_keypoints=14, kpt_predictor=dict(groups='crowdpose')))
default_hooks = dict(checkpoint=dict(save_best='crowdpose/AP', rule='greater'))
train_dataloader = dict(
    batch_size=4, dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = val_dataloader
