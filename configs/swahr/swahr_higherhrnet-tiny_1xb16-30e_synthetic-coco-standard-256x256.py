# SWAHR on the tiny HigherHRNet, synthetic-coco `standard` (256x256 images,
# 0-12 persons of 8-90% height, textured backgrounds, occlusions): the easy
# config at input 256 (heatmaps 64 and 128), on the standard data.
_base_ = ['./swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py']
from directpose.utils.config import with_args  # noqa: E402

max_epochs = 30
input_size = (256, 256)
data_root = 'data/synthetic-coco-standard/'

train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=max_epochs),
]

codec = dict(
    _base_.codec,
    input_size=input_size,
    heatmap_size=(64, 64),
    higher_heatmap_sizes=[(128, 128)])
# the inherited pipelines at this input size
train_pipeline, val_pipeline = (
    with_args(p, input_size=input_size, encoder=codec)
    for p in (_base_.train_pipeline, _base_.val_pipeline))
train_dataloader = dict(
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator

model = dict(head=dict(decoder=dict(codec, heatmap_size=input_size)))
