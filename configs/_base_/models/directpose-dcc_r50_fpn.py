# DirectPose R-50-FPN with RTMO's DCC as the keypoint predictor: each
# location's pose vector is classified into 1-D x/y bins over its predicted
# (padded) box, so the box branch is on.
_base_ = ['./directpose_r50_fpn.py']

model = dict(
    head=dict(
        with_bbox=True,
        kpt_predictor=dict(
            _delete_=True,
            type='DCCPredictor',
            dcc=dict(
                type='DCC',
                in_channels=256,
                feat_channels=128,
                num_bins=(192, 256),
                spe_channels=128))))
