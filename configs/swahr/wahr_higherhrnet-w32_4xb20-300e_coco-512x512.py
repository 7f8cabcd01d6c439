# Ablation: WAHR only (weight-adaptive loss on the plain Gaussian targets;
# no scale-map branches).
_base_ = ['./swahr_higherhrnet-w32_4xb20-300e_coco-512x512.py']

model = dict(head=dict(scale_branch=None, keypoint_loss=dict(use_sahr=False)))
