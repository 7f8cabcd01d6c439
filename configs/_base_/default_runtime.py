# MMPose's runtime, plus this project's modules and checkpoint safety.
_base_ = ['mmpose::_base_/default_runtime.py', './custom_imports.py']

custom_hooks = [
    dict(type='SyncBuffersHook'),
    # checkpoints stay loadable with torch.load(weights_only=True)
    dict(type='SafeCheckpointHook'),
    # a NaN/inf loss term stops training before it reaches the weights
    dict(type='NonFiniteLossHook'),
    # an epoch's randomness depends on (seed, epoch) only: exact --resume
    dict(type='EpochSeedHook'),
]
