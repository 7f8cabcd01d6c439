# Plain HigherHRNet (no SAHR, no WAHR) on synthetic-coco: the tiny SWAHR
# config without the scale-map branches and with the masked MSE loss.
_base_ = ['./swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py']

model = dict(
    head=dict(
        scale_branch=None,
        keypoint_loss=dict(_delete_=True, type='KeypointMSELoss')))
