# The tiny DirectPose at the native size of synthetic-coco `easy` (128x128)
# with a shorter schedule: the model of the main job
# (configs/studies/synthetic_quick.py), a few minutes on 2 CPU cores.
_base_ = ['./directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py']
from directpose.utils.config import ending_at, inherited_pipelines  # noqa

max_epochs = 30
input_size = (128, 128)
codec = dict(_base_.codec, input_size=input_size)

train_cfg = dict(max_epochs=max_epochs)
param_scheduler = ending_at(_base_.param_scheduler, max_epochs)

# the inherited pipelines at this input size
train_pipeline, val_pipeline = inherited_pipelines(
    _base_, input_size=input_size, encoder=codec)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
