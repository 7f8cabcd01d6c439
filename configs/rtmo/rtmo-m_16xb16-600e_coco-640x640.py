# mmpose's RTMO config, reused as is (data in data/coco/, mmpose's layout),
# plus this project's modules and weights-only-safe checkpoints.
_base_ = [
    'mmpose::body_2d_keypoint/rtmo/coco/'
    'rtmo-m_16xb16-600e_coco-640x640.py'
]

custom_imports = dict(imports=['directpose'], allow_failed_imports=False)
custom_hooks = _base_.custom_hooks + [
    dict(type='SafeCheckpointHook'),
    dict(type='NonFiniteLossHook'),
    dict(type='EpochSeedHook'),
]
