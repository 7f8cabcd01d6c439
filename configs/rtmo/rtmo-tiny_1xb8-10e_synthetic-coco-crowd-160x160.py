# The crowd RTMO of the main job (configs/studies/synthetic_crowd.py): the
# 8-epoch recipe 2 epochs longer, the stage-2 switch again 3 epochs before
# the end. The main job's trainings side by side leave the time for it (at
# one thread, seed 0: AP 0.123 after 8 epochs, 0.198 after 10;
# docs/comparative_study.md, "Stop 26").
_base_ = ['./rtmo-tiny_1xb8-8e_synthetic-coco-crowd-160x160.py']
from directpose.utils.config import mode_switch_at

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = mode_switch_at(_base_.custom_hooks,
                              max_epochs - _base_.stage2_epochs)
