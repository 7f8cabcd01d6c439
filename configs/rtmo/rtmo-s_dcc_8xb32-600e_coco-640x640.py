# RTMO-s whose Dynamic Coordinate Classifier is this project's registered
# `DCC` (models/layers/dcc.py) instead of mmpose's built-in one. Same model,
# same training: mmpose's RTMO-s checkpoints load into it unchanged.
_base_ = ['./rtmo-s_8xb32-600e_coco-640x640.py']

model = dict(head=dict(type='RTMODCCHead', dcc_cfg=dict(type='DCC')))
