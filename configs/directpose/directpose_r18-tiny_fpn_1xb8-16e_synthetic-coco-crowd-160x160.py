# The crowd DirectPose trained twice as long (1600 iterations): the model of
# configs/studies/synthetic_crowd_long.py (AP 0.574 there at stop 26).
# The same constant rate, decaying over the last 4 epochs (a quarter; the
# base decays over 3 of its 8, and 2 did as well; docs/comparative_study.md,
# "Stop 26").
_base_ = ['./directpose_r18-tiny_fpn_1xb8-8e_synthetic-coco-crowd-160x160.py']
from directpose.utils.config import ending_at  # noqa: E402

max_epochs = 16
decay_epochs = 4
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = ending_at(
    _base_.param_scheduler, max_epochs, epochs=decay_epochs)
