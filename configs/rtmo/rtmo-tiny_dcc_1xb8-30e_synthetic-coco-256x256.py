# The tiny synthetic-coco RTMO with this project's registered `DCC`
# (models/layers/dcc.py) as its Dynamic Coordinate Classifier; weights are
# interchangeable with rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py.
_base_ = ['./rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py']

model = dict(head=dict(type='RTMODCCHead', dcc_cfg=dict(type='DCC')))
