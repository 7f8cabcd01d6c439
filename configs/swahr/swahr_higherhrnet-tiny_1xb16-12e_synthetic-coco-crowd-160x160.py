# The crowd SWAHR of the main job (configs/studies/synthetic_crowd.py): the
# 6-epoch recipe with the linear decay of a 14-epoch schedule, stopped after
# 12 epochs, at 16% of the rate. At one thread, seed 0: AP 0.529 (second
# validation set 0.522) after 12, against 0.497 (0.501) after the whole 14
# and 0.430 with the decay to 2% squeezed into 12 (docs/comparative_study.md,
# "Stop 28").
_base_ = ['./swahr_higherhrnet-tiny_1xb16-6e_synthetic-coco-crowd-160x160.py']
from directpose.utils.config import ending_at

max_epochs = 12
train_cfg = dict(max_epochs=max_epochs)
param_scheduler = ending_at(_base_.param_scheduler, 14)
