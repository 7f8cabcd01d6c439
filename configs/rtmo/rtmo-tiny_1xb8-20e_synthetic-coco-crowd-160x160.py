# The crowd RTMO trained 2.5 times as long (2000 iterations): the model of
# configs/studies/synthetic_crowd_long.py. Stage 2 again the second half,
# the decay over the last 5 epochs (a quarter, as the long DirectPose's).
_base_ = ['./rtmo-tiny_1xb8-8e_synthetic-coco-crowd-160x160.py']
from directpose.utils.config import ending_at, mode_switch_at

max_epochs = 20
stage2_epochs = 10
decay_epochs = 5
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = mode_switch_at(_base_.custom_hooks, max_epochs - stage2_epochs)
param_scheduler = ending_at(
    _base_.param_scheduler, max_epochs, epochs=decay_epochs)
