# mmpose's RTMO config, reused as is (data in data/crowdpose/, mmpose's
# layout), plus this project's modules and weights-only-safe checkpoints.
_base_ = [
    'mmpose::body_2d_keypoint/rtmo/crowdpose/'
    'rtmo-l_16xb16-700e_crowdpose-640x640.py'
]

custom_imports = dict(imports=['directpose'], allow_failed_imports=False)
custom_hooks = _base_.custom_hooks + [
    dict(type='SafeCheckpointHook'),
    dict(type='NonFiniteLossHook'),
    dict(type='EpochSeedHook'),
]
