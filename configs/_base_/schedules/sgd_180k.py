# FCOS-style SGD schedule of DirectPose's reference recipe: 180k iterations
# of 32 images (8 GPUs x 4), lr 0.01, momentum 0.9, weight decay 1e-4 (none
# on norm layers), 1000 warm-up iterations from 0.001x, then a linear decay
# to 0; no gradient clipping.
_base_ = ['../default_runtime.py']

max_iters = 180000
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=10000)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(norm_decay_mult=0.0))
param_scheduler = [
    dict(
        type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=1000),
    dict(
        type='LinearLR',
        start_factor=1.0,
        end_factor=0.0,
        by_epoch=False,
        begin=0,
        end=max_iters),
]
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval=10000, max_keep_ckpts=3))
log_processor = dict(by_epoch=False)
