# mmpose's RTMO config (data in data/coco/, mmpose's layout) with this
# project's RTMODCCHead (our registered DCC, finite boxes with any weights;
# mmpose's checkpoints load unchanged), modules and weights-only-safe
# checkpoints.
_base_ = [
    'mmpose::body_2d_keypoint/rtmo/coco/rtmo-l_16xb16-600e_coco-640x640.py',
    '../_base_/custom_imports.py'
]
from directpose.utils.config import project_hooks  # noqa: E402

custom_hooks = _base_.custom_hooks + project_hooks()
model = dict(head=dict(type='RTMODCCHead', dcc_cfg=dict(type='DCC')))
