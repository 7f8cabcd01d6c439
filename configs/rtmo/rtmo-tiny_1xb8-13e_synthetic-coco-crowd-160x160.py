# The crowd RTMO of the main job (configs/studies/synthetic_crowd.py): the
# 8-epoch recipe 5 epochs longer, stage 2 the last 6, the decay again over
# the last 3 epochs (at one thread, seed 0: AP 0.445 in 12 such epochs, 0.484
# in 13; docs/comparative_study.md, "Stop 28").
_base_ = ['./rtmo-tiny_1xb8-8e_synthetic-coco-crowd-160x160.py']
from directpose.utils.config import ending_at, mode_switch_at

max_epochs = 13
stage2_epochs = 6
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = mode_switch_at(_base_.custom_hooks, max_epochs - stage2_epochs)
param_scheduler = ending_at(
    _base_.param_scheduler, max_epochs, epochs=_base_.decay_epochs)
