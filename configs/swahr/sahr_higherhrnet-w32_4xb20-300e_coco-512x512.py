# Ablation: SAHR only (scale-adaptive targets, no WAHR weights).
_base_ = ['./swahr_higherhrnet-w32_4xb20-300e_coco-512x512.py']

model = dict(head=dict(keypoint_loss=dict(use_wahr=False)))
