# Plain HigherHRNet (no SAHR, no WAHR) on synthetic-coco `standard`: the
# tiny SWAHR standard config without the scale-map branches and with the
# masked MSE loss.
_base_ = [
    './swahr_higherhrnet-tiny_1xb16-30e_synthetic-coco-standard-256x256.py'
]

model = dict(
    head=dict(
        scale_branch=None,
        keypoint_loss=dict(_delete_=True, type='KeypointMSELoss')))
