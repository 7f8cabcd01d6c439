# Plain HigherHRNet (the baseline of SWAHR): the SWAHR config without the
# scale-map branches and with the masked MSE heatmap loss, same schedule.
_base_ = ['./swahr_higherhrnet-w48_8xb10-300e_crowdpose-640x640.py']

model = dict(
    head=dict(
        scale_branch=None,
        keypoint_loss=dict(_delete_=True, type='KeypointMSELoss')))
