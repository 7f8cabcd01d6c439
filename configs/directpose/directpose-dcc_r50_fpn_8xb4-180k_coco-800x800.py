# DirectPose-DCC (_base_/models/directpose-dcc_r50_fpn.py) on COCO with the
# reference recipe of directpose_r50_fpn_8xb4-180k_coco-800x800.py.
_base_ = [
    '../_base_/schedules/sgd_180k.py', '../_base_/datasets/coco_bottomup.py',
    '../_base_/models/directpose-dcc_r50_fpn.py'
]

default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))
train_dataloader = dict(
    batch_size=4, dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = val_dataloader
