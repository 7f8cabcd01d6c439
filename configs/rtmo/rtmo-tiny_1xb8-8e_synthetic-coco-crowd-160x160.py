# The tiny RTMO on synthetic-coco `crowd` (160x160 images, 1-8 persons of
# 25-90% of the image height, textured backgrounds, occlusion): the base of
# the crowd RTMO configs, whose children set the length.
_base_ = ['./rtmo-tiny_1xb8-30e_synthetic-coco-128x128.py']
from directpose.utils.config import (decaying_at_end, inherited_pipelines,
                                     mode_switch_at, synthetic_data,
                                     without_random_geometry)

max_epochs = 8
# stage 2 (the regression learns from the DCC, the scores the DCC's OKS) for
# the second half, and a linear decay over the last 3 epochs, as
# DirectPose's: with the detached bins below, the DCC has started by then
# (AP 0.280 / 0.288 / 0.319 switching 3 / 7 / 5 epochs before the end of
# 10, 0.352 with the decay, seed 0; docs/comparative_study.md, "Stop 27")
stage2_epochs = 4
decay_epochs = 3
input_size = (160, 160)
data_root = 'data/synthetic-coco-crowd/'

train_cfg = dict(max_epochs=max_epochs)
custom_hooks = mode_switch_at(_base_.custom_hooks, max_epochs - stage2_epochs)
param_scheduler = decaying_at_end(
    _base_.param_scheduler[:1], max_epochs, epochs=decay_epochs)

codec = dict(_base_.codec, input_size=input_size)
# the DCC's bins follow the predicted boxes without moving them: the MLECC
# loss otherwise pulls the boxes against the box loss, and the DCC takes off
# late and by chance (AP 0.198 with mmpose's coupling, 0.280 and 0.327
# detached at seeds 0 and 1 after 10 epochs; docs/comparative_study.md,
# "Stop 27")
model = dict(
    head=dict(dcc_cfg=dict(detach_bins=True)),
    test_cfg=dict(input_size=input_size))

# the inherited pipelines at this input size
train_pipeline, val_pipeline = inherited_pipelines(
    _base_, input_size=input_size, encoder=codec)
# no random shift, rotation or scale: in a schedule of a few epochs they slow
# learning more than they guard against over-fitting (AP 0.164 with them,
# 0.173 without at the same iterations; docs/comparative_study.md, "The crowd
# recipes")
train_pipeline = without_random_geometry(train_pipeline)
train_dataloader, val_dataloader, val_evaluator = synthetic_data(
    data_root, train_pipeline, val_pipeline)
test_dataloader, test_evaluator = val_dataloader, val_evaluator
