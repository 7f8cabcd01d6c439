# Ablation on synthetic-coco: SAHR only (scale-adaptive targets, no WAHR).
_base_ = ['./swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py']

model = dict(head=dict(keypoint_loss=dict(use_wahr=False)))
