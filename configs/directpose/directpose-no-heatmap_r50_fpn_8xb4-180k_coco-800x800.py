# Ablation: no auxiliary heatmap branch during training.
_base_ = ['./directpose_r50_fpn_8xb4-180k_coco-800x800.py']

model = dict(head=dict(heatmap_branch=None))
