# The crowd RTMO trained 2.5 times as long (2000 iterations), the stage-2
# switch again 3 epochs before the end: the model of
# configs/studies/synthetic_crowd_long.py. 16 epochs gave AP 0.418
# (docs/comparative_study.md, "Stop 25").
_base_ = ['./rtmo-tiny_1xb8-8e_synthetic-coco-crowd-160x160.py']
from directpose.utils.config import mode_switch_at

max_epochs = 20
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = mode_switch_at(_base_.custom_hooks,
                              max_epochs - _base_.stage2_epochs)
