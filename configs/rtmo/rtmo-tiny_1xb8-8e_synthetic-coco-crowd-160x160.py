# The tiny RTMO on synthetic-coco `crowd` (160x160 images, 1-8 persons of
# 25-90% of the image height, textured backgrounds, occlusion): the model of
# the main job (configs/studies/synthetic_crowd.py).
_base_ = ['./rtmo-tiny_1xb8-30e_synthetic-coco-128x128.py']
from directpose.utils.config import (inherited_pipelines, mode_switch_at,
                                     synthetic_data, without_random_geometry)

max_epochs = 8
stage2_epochs = 3
input_size = (160, 160)
data_root = 'data/synthetic-coco-crowd/'

train_cfg = dict(max_epochs=max_epochs)
custom_hooks = mode_switch_at(_base_.custom_hooks, max_epochs - stage2_epochs)

codec = dict(_base_.codec, input_size=input_size)
model = dict(test_cfg=dict(input_size=input_size))

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
