# mmpose's RTMO config with its data in data/crowdpose/{annotations,images}
# (as every CrowdPose config here; mmpose's reads the images from
# data/pose/CrowdPose/images/) and this project's RTMODCCHead (our registered
# DCC, finite boxes with any weights; mmpose's checkpoints load unchanged),
# modules and weights-only-safe checkpoints.
_base_ = [
    'mmpose::body_2d_keypoint/rtmo/crowdpose/'
    'rtmo-m_16xb16-700e_crowdpose-640x640.py',
    '../_base_/custom_imports.py',
]
from directpose.utils.config import crowdpose_dataset, project_hooks  # noqa

custom_hooks = _base_.custom_hooks + project_hooks()
model = dict(head=dict(type='RTMODCCHead', dcc_cfg=dict(type='DCC')))

data_root = 'data/crowdpose/'
train_dataloader = dict(dataset=crowdpose_dataset('trainval', data_root))
val_dataloader = dict(dataset=crowdpose_dataset('test', data_root))
test_dataloader = val_dataloader
