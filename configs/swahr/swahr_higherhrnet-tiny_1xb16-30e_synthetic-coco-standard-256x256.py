# SWAHR on the tiny HigherHRNet, synthetic-coco `standard` (256x256 images,
# 0-12 persons of 8-90% height, textured backgrounds, occlusions): the easy
# config at input 256 (heatmaps 64 and 128), on the standard data.
_base_ = ['./swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py']
from directpose.utils.config import (ending_at, inherited_pipelines,
                                     synthetic_data)

max_epochs = 30
input_size = (256, 256)
data_root = 'data/synthetic-coco-standard/'

train_cfg = dict(max_epochs=max_epochs)
param_scheduler = ending_at(_base_.param_scheduler, max_epochs)

codec = dict(
    _base_.codec,
    input_size=input_size,
    heatmap_size=(64, 64),
    higher_heatmap_sizes=[(128, 128)])
model = dict(head=dict(decoder=dict(codec, heatmap_size=input_size)))

# the inherited pipelines at this input size
train_pipeline, val_pipeline = inherited_pipelines(
    _base_, input_size=input_size, encoder=codec)
train_dataloader, val_dataloader, val_evaluator = synthetic_data(
    data_root, train_pipeline, val_pipeline)
test_dataloader, test_evaluator = val_dataloader, val_evaluator
