# The tiny DirectPose at the native size of synthetic-coco `easy` (128x128)
# with a shorter schedule: the model of the main job
# (configs/studies/synthetic_quick.py), a few minutes on 2 CPU cores.
_base_ = ['./directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py']
from directpose.utils.config import with_args  # noqa: E402

max_epochs = 30
input_size = (128, 128)
codec = dict(_base_.codec, input_size=input_size)

train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], T_max=max_epochs, end=max_epochs),
]

# the inherited pipelines at this input size
train_pipeline, val_pipeline = (
    with_args(p, input_size=input_size, encoder=codec)
    for p in (_base_.train_pipeline, _base_.val_pipeline))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
