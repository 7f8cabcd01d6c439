# Ablation: naive end-to-end regression, a 3x3 conv predicts the 2K offsets.
_base_ = ['./directpose_r50_fpn_8xb4-180k_coco-800x800.py']

model = dict(
    head=dict(
        kpt_predictor=dict(
            _delete_=True, type='ConvRegressionPredictor', use_scale=False)))
