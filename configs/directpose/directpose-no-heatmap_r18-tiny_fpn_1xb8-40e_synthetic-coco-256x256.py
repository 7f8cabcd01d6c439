# Ablation of the tiny synthetic DirectPose: no auxiliary heatmap branch.
_base_ = ['./directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py']

model = dict(head=dict(heatmap_branch=None))
