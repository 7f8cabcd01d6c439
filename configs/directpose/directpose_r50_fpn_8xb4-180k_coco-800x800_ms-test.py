# DirectPose R-50-FPN on COCO, tested at several scales with flip (the
# paper's multi-scale test, 62.2 -> 63.0 AP on test-dev for R-50). The paper
# does not give its scales; these are the shorter sides 600, 800 and 1000
# (longer sides at most 1000, 1333 and 1666), each with its mirror image:
# the candidates of all of them meet in one NMS.
_base_ = ['./directpose_r50_fpn_8xb4-180k_coco-800x800.py']
from directpose.utils.config import with_transform_args  # noqa: E402

model = dict(test_cfg=dict(multiscale_test=True, flip_test=True))
val_dataloader = dict(
    dataset=dict(
        pipeline=with_transform_args(
            _base_.val_pipeline,
            'BottomupShortSideResize',
            aug_scales=[0.75, 1.25])))
test_dataloader = val_dataloader
