# DirectPose-DCC on CrowdPose (see directpose-dcc_..._coco).
_base_ = ['./directpose_r50_fpn_8xb4-48e_crowdpose-800x800.py']

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
