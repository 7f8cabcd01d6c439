# The tiny DirectPose on synthetic-coco `crowd` (160x160 images, 1-8 persons
# of 25-90% of the image height, textured backgrounds, occlusion): the model
# of the main job (configs/studies/synthetic_crowd.py).
_base_ = ['./directpose_r18-tiny_fpn_1xb8-30e_synthetic-coco-128x128.py']
from directpose.utils.config import with_args  # noqa: E402

max_epochs = 8
input_size = (160, 160)
data_root = 'data/synthetic-coco-crowd/'
codec = dict(_base_.codec, input_size=input_size)

train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], T_max=max_epochs, end=max_epochs),
]

# the inherited pipelines at this input size, padded to 32 (not 128)
train_pipeline, val_pipeline = (
    with_args(p, input_size=input_size, encoder=codec, size_factor=32)
    for p in (_base_.train_pipeline, _base_.val_pipeline))
train_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator

model = dict(data_preprocessor=dict(pad_size_divisor=32))
