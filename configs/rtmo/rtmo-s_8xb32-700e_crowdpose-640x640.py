# mmpose's RTMO config with its data in data/crowdpose/{annotations,images}
# (as every CrowdPose config here; mmpose's reads the images from
# data/pose/CrowdPose/images/) and this project's RTMODCCHead (our registered
# DCC, finite boxes with any weights; mmpose's checkpoints load unchanged),
# modules and weights-only-safe checkpoints.
_base_ = [
    'mmpose::body_2d_keypoint/rtmo/crowdpose/'
    'rtmo-s_8xb32-700e_crowdpose-640x640.py',
    '../_base_/custom_imports.py',
]

custom_hooks = _base_.custom_hooks + [
    dict(type='SafeCheckpointHook'),
    dict(type='NonFiniteLossHook'),
    dict(type='EpochSeedHook'),
]
model = dict(head=dict(type='RTMODCCHead', dcc_cfg=dict(type='DCC')))

data_root = 'data/crowdpose/'
train_dataloader = dict(
    dataset=dict(
        type='CheckedCrowdPoseDataset',
        data_root=data_root,
        ann_file='annotations/mmpose_crowdpose_trainval.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        type='CheckedCrowdPoseDataset',
        data_root=data_root,
        ann_file='annotations/mmpose_crowdpose_test.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
