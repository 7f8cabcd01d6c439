# Ablation of the tiny synthetic DirectPose: naive regression, no KPAlign.
_base_ = ['./directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py']

model = dict(
    head=dict(
        kpt_predictor=dict(_delete_=True, type='ConvRegressionPredictor')))
