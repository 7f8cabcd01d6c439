# Ablation: KPAlign with one group per keypoint, sharing the tower features.
_base_ = ['./directpose_r50_fpn_8xb4-180k_coco-800x800.py']

model = dict(
    head=dict(
        kpt_predictor=dict(groups=None, separate_features=False)))
