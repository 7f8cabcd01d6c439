# The tiny SWAHR HigherHRNet on synthetic-coco `crowd` (160x160 images, 1-8
# persons of 25-90% of the image height, textured backgrounds, occlusion):
# the model of the main job (configs/studies/synthetic_crowd.py).
_base_ = ['./swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py']
from directpose.utils.config import with_args  # noqa: E402

max_epochs = 6
input_size = (160, 160)
heatmap_size = (40, 40)
data_root = 'data/synthetic-coco-crowd/'
codec = dict(
    _base_.codec,
    input_size=input_size,
    heatmap_size=heatmap_size,
    higher_heatmap_sizes=[(80, 80)])

train_cfg = dict(max_epochs=max_epochs)
param_scheduler = [
    _base_.param_scheduler[0],
    dict(_base_.param_scheduler[1], end=max_epochs),
]

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
