# The tiny synthetic DirectPose with DCC coordinates instead of KPAlign
# regression (same schedule, for the comparison in the project README).
_base_ = ['./directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py']

model = dict(
    head=dict(
        with_bbox=True,
        kpt_predictor=dict(
            _delete_=True,
            type='DCCPredictor',
            dcc=dict(
                type='DCC',
                in_channels=64,
                feat_channels=32,
                num_bins=(64, 64),
                spe_channels=32,
                gau_cfg=dict(
                    s=32,
                    expansion_factor=2,
                    dropout_rate=0.0,
                    drop_path=0.0,
                    act_fn='SiLU',
                    pos_enc='add')))))
