# The crowd SWAHR trained 2.7 times as long (800 iterations), its linear
# decay stretched to the end: the model of
# configs/studies/synthetic_crowd_long.py (a 20-epoch schedule passed AP
# 0.491 at epoch 16; docs/comparative_study.md, "Stop 25").
_base_ = ['./swahr_higherhrnet-tiny_1xb16-6e_synthetic-coco-crowd-160x160.py']
from directpose.utils.config import ending_at

max_epochs = 16
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = ending_at(_base_.param_scheduler, max_epochs)
