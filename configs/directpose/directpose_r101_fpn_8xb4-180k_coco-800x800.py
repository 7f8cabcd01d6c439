# DirectPose R-101-FPN on COCO (the paper's test-dev model).
_base_ = ['./directpose_r50_fpn_8xb4-180k_coco-800x800.py']

model = dict(
    backbone=dict(
        depth=101, init_cfg=dict(checkpoint='torchvision://resnet101')))
