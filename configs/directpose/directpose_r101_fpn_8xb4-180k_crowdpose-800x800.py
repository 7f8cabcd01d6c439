# DirectPose R-101-FPN on CrowdPose.
_base_ = ['./directpose_r50_fpn_8xb4-180k_crowdpose-800x800.py']

model = dict(
    backbone=dict(
        depth=101, init_cfg=dict(checkpoint='torchvision://resnet101')))
