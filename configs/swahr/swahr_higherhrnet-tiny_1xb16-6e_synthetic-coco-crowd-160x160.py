# The tiny SWAHR HigherHRNet on synthetic-coco `crowd` (160x160 images, 1-8
# persons of 25-90% of the image height, textured backgrounds, occlusion):
# the base of the crowd SWAHR configs, whose children set the length.
_base_ = ['./swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py']
from directpose.utils.config import (ending_at, inherited_pipelines,
                                     synthetic_data, without_random_geometry)

max_epochs = 6
input_size = (160, 160)
heatmap_size = (40, 40)
data_root = 'data/synthetic-coco-crowd/'

train_cfg = dict(max_epochs=max_epochs)
param_scheduler = ending_at(_base_.param_scheduler, max_epochs)

codec = dict(
    _base_.codec,
    input_size=input_size,
    heatmap_size=heatmap_size,
    higher_heatmap_sizes=[(80, 80)])
model = dict(head=dict(decoder=dict(codec, heatmap_size=input_size)))

# the inherited pipelines at this input size
train_pipeline, val_pipeline = inherited_pipelines(
    _base_, input_size=input_size, encoder=codec)
# no random shift, rotation or scale: in a schedule of a few epochs they slow
# learning more than they guard against over-fitting (AP 0.049 with them, 0.174
# without at the same iterations; docs/comparative_study.md, "The crowd
# recipes")
train_pipeline = without_random_geometry(train_pipeline)
train_dataloader, val_dataloader, val_evaluator = synthetic_data(
    data_root, train_pipeline, val_pipeline)
test_dataloader, test_evaluator = val_dataloader, val_evaluator
