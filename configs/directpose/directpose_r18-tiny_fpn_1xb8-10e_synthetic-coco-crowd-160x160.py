# The crowd DirectPose of the main job (configs/studies/synthetic_crowd.py):
# the 8-epoch recipe 2 epochs longer, decaying again over the last 3 (at one
# thread, seed 0: AP 0.398 after 8 epochs, 0.457 after 10;
# docs/comparative_study.md, "Stop 27").
_base_ = ['./directpose_r18-tiny_fpn_1xb8-8e_synthetic-coco-crowd-160x160.py']
from directpose.utils.config import ending_at  # noqa: E402

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = ending_at(
    _base_.param_scheduler, max_epochs, epochs=_base_.decay_epochs)
