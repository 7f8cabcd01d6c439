# SWAHR on HigherHRNet-W48, COCO, input 640: the official recipe, Adam at
# 1.2e-4 times the official code's constant WORLD_SIZE of 8 (9.6e-4), 10
# images per GPU.
_base_ = [
    '../_base_/schedules/adam_300e.py', '../_base_/datasets/coco_bottomup.py',
    '../_base_/models/swahr_higherhrnet_w48.py'
]

optim_wrapper = dict(optimizer=dict(lr=9.6e-4))
default_hooks = dict(checkpoint=dict(save_best='coco/AP'))
train_dataloader = dict(
    batch_size=10, dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = val_dataloader
