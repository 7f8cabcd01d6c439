# Ablation: KPAlign with one group per keypoint, sharing the tower features.
_base_ = ['./directpose_r50_fpn_8xb4-48e_coco-800x800.py']

model = dict(
    head=dict(
        kpalign=dict(_delete_=True, type='KPAlign', separate_features=False)))
