# Ablation on synthetic-coco: WAHR only (weight-adaptive loss on the plain
# Gaussian targets; no scale-map branches).
_base_ = ['./swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py']

model = dict(head=dict(scale_branch=None, keypoint_loss=dict(use_sahr=False)))
