# DirectPose with RTMO's DCC as the keypoint coordinate predictor: each
# location's pose vector is classified into 1-D x/y bins over its predicted
# (padded) box, so the box branch is on and KPAlign is off.
_base_ = ['./directpose_r50_fpn_8xb4-48e_coco-800x800.py']

model = dict(
    head=dict(
        kpalign=None,
        with_bbox=True,
        dcc=dict(
            type='DCC',
            in_channels=256,
            feat_channels=128,
            num_bins=(192, 256),
            spe_channels=128)))
