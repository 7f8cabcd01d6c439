# The crowd SWAHR of the main job (configs/studies/synthetic_crowd.py): the
# 6-epoch recipe 2 epochs longer, its linear decay stretched to the end
# (docs/comparative_study.md, "Stop 27").
_base_ = ['./swahr_higherhrnet-tiny_1xb16-6e_synthetic-coco-crowd-160x160.py']
from directpose.utils.config import ending_at

max_epochs = 8
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = ending_at(_base_.param_scheduler, max_epochs)
