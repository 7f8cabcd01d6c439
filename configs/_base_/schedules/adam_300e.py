# SWAHR's official schedule (experiments/*/higher_hrnet/*_adam_lr1e-3.yaml
# and code): Adam without weight decay at 2.5e-4 times the code's constant
# WORLD_SIZE of 8 (2e-3, whatever the number of GPUs; W48 configs set their
# own), 300 epochs of 80 images, 3 warm-up epochs from 0.1 lr, then a linear
# decay to 0.
_base_ = ['../default_runtime.py']

max_epochs = 300
train_cfg = dict(max_epochs=max_epochs, val_interval=10)
default_hooks = dict(checkpoint=dict(rule='greater', interval=50))

optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(
        type='LinearLR',
        start_factor=0.1,
        begin=0,
        end=3,
        by_epoch=True,
        convert_to_iter_based=True),
    dict(
        type='LinearLR',
        start_factor=1.0,
        end_factor=0.0,
        begin=3,
        end=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=80)
