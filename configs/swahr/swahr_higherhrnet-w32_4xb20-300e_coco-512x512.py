# SWAHR (scale- and weight-adaptive heatmap regression) on HigherHRNet-W32,
# COCO, input 512: the official recipe, 20 images per GPU.
_base_ = [
    '../_base_/schedules/adam_300e.py', '../_base_/datasets/coco_bottomup.py',
    '../_base_/models/swahr_higherhrnet_w32.py'
]

default_hooks = dict(checkpoint=dict(save_best='coco/AP'))
train_dataloader = dict(
    batch_size=20, dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = val_dataloader
