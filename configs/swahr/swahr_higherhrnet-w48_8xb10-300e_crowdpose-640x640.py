# SWAHR on HigherHRNet-W48, CrowdPose (14 keypoints), input 640: the W48
# COCO recipe on CrowdPose trainval, tested on test, as the official
# experiments/crowd_pose/higher_hrnet/w48_640_adam_lr1e-3.yaml.
_base_ = [
    '../_base_/schedules/adam_300e.py',
    '../_base_/datasets/crowdpose_bottomup.py',
    '../_base_/models/swahr_higherhrnet_w48.py'
]

# the official code's grouping order: COCO's cut to the indices below 14
model = dict(
    head=dict(
        num_keypoints=14,
        decoder=dict(decode_keypoint_order=[
            i for i in _base_.codec.decode_keypoint_order if i < 14
        ])))
optim_wrapper = dict(optimizer=dict(lr=9.6e-4))
default_hooks = dict(checkpoint=dict(save_best='crowdpose/AP'))
train_dataloader = dict(
    batch_size=10, dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = val_dataloader
