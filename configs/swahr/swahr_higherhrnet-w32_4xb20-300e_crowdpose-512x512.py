# SWAHR on HigherHRNet-W32, CrowdPose (14 keypoints), input 512, trained on
# trainval and tested on test. The official code has a CrowdPose config for
# W48-640 only; this one keeps the W32-512 COCO recipe.
_base_ = [
    '../_base_/schedules/adam_300e.py',
    '../_base_/datasets/crowdpose_bottomup.py',
    '../_base_/models/swahr_higherhrnet_w32.py'
]

# the official code's grouping order: COCO's cut to the indices below 14
model = dict(
    head=dict(
        num_keypoints=14,
        decoder=dict(decode_keypoint_order=[
            i for i in _base_.codec.decode_keypoint_order if i < 14
        ])))
default_hooks = dict(checkpoint=dict(save_best='crowdpose/AP'))
train_dataloader = dict(
    batch_size=20, dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = val_dataloader
