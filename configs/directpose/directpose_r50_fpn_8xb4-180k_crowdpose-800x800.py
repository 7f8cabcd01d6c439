# DirectPose R-50-FPN on CrowdPose (14 keypoints): trainval -> test.
_base_ = [
    '../_base_/default_runtime.py', '../_base_/datasets/crowdpose_bottomup.py',
    '../_base_/models/directpose_r50_fpn.py'
]

model = dict(
    head=dict(
        num_keypoints=14,
        # head, neck | L-shoulder | L-elbow, L-wrist | R-shoulder | R-elbow,
        # R-wrist | L-hip | L-knee, L-ankle | R-hip | R-knee, R-ankle
        kpalign=dict(groups=[[12, 13], [0], [2, 4], [1], [3, 5], [6], [8, 10],
                             [7], [9, 11]])))
train_cfg = dict(max_epochs=48, val_interval=4)
default_hooks = dict(checkpoint=dict(save_best='crowdpose/AP', rule='greater'))
train_dataloader = dict(
    batch_size=4, dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = val_dataloader
