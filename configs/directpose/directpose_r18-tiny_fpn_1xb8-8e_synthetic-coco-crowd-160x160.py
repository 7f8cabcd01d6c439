# The tiny DirectPose on synthetic-coco `crowd` (160x160 images, 1-8 persons
# of 25-90% of the image height, textured backgrounds, occlusion): the base
# of the crowd DirectPose configs, whose children set the length.
_base_ = ['./directpose_r18-tiny_fpn_1xb8-30e_synthetic-coco-128x128.py']
from directpose.utils.config import (decaying_at_end, inherited_pipelines,
                                     synthetic_data, without_random_geometry)

max_epochs = 8
decay_epochs = 3
input_size = (160, 160)
data_root = 'data/synthetic-coco-crowd/'

train_cfg = dict(max_epochs=max_epochs)
# a constant rate after the warm-up, 3x the base's, then a linear decay over
# the last 3 epochs: 800 iterations leave the model far from converged, and
# the base's cosine decays too early (AP 0.127 with it at 2e-3, 0.253
# constant at 3e-3, 0.299 at 6e-3, 0.253 at 1e-2), while a short decay at
# the end adds what a constant rate leaves (0.300 constant, 0.398 with the
# decay, same seed and threads; docs/comparative_study.md, "The crowd
# recipes" and "Stop 26")
optim_wrapper = dict(optimizer=dict(lr=6e-3))
param_scheduler = decaying_at_end(
    _base_.param_scheduler[:1], max_epochs, epochs=decay_epochs)

codec = dict(_base_.codec, input_size=input_size)
model = dict(data_preprocessor=dict(pad_size_divisor=32))

# the inherited pipelines at this input size, padded to 32 (not 128)
train_pipeline, val_pipeline = inherited_pipelines(
    _base_, input_size=input_size, encoder=codec, size_factor=32)
# no random shift, rotation or scale: in a schedule of a few epochs they slow
# learning more than they guard against over-fitting (AP 0.256 with them, 0.300
# without at the same iterations; docs/comparative_study.md, "The crowd
# recipes")
train_pipeline = without_random_geometry(train_pipeline)
train_dataloader, val_dataloader, val_evaluator = synthetic_data(
    data_root, train_pipeline, val_pipeline)
test_dataloader, test_evaluator = val_dataloader, val_evaluator
