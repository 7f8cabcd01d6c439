# Ablation: naive end-to-end regression, a 3x3 conv predicts the 2K offsets.
_base_ = ['./directpose_r50_fpn_8xb4-48e_coco-800x800.py']

model = dict(head=dict(kpalign=None))
