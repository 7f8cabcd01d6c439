# SWAHR HigherHRNet-W32 on COCO with the official multi-scale test: scales
# 0.5, 1 and 2 of the 512 input, each with flip; heatmaps averaged over
# scales and flips, tags from scale 1 (official README: 68.9 -> 71.4 AP on
# COCO val for W32).
_base_ = ['./swahr_higherhrnet-w32_4xb20-300e_coco-512x512.py']
from directpose.utils.config import with_transform_args  # noqa: E402

model = dict(test_cfg=dict(multiscale_test=True))
val_dataloader = dict(
    dataset=dict(
        pipeline=with_transform_args(
            _base_.val_pipeline,
            'BottomupPyramidResize',
            aug_scales=[0.5, 2.0])))
test_dataloader = val_dataloader
