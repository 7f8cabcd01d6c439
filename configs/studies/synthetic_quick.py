# The former main job (the main job is now ./synthetic_crowd.py): the tiny
# DirectPose, RTMO and SWAHR trained from scratch on synthetic-coco (`easy`:
# 128x128 images, 1-3 large persons) for a few minutes each on the CPU,
# tested with the same CocoMetric, and timed on `standard` scenes of 1-40
# persons at 256x256. About 20 minutes on 2 CPU cores.
#
#   python tools/compare.py configs/studies/synthetic_quick.py
work_dir = 'work_dirs/synthetic_quick'
dataset = dict(
    type='synthetic',
    root='data/synthetic-coco-easy',
    preset='easy',
    format='coco')
cfg_options = {
    'randomness.seed': 0,
    'train_dataloader.num_workers': 1,
    'test_dataloader.num_workers': 1,
}
speed = dict(
    warmup=3,
    runs=10,
    images=10,
    persons=(1, 5, 10, 20, 40),
    persons_image_size=256,
    persons_preset='standard')
methods = [
    dict(
        name='DirectPose',
        config='configs/directpose/'
        'directpose_r18-tiny_fpn_1xb8-30e_synthetic-coco-128x128.py'),
    dict(
        name='RTMO',
        config='configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-128x128.py'),
    dict(
        name='SWAHR',
        config='configs/swahr/'
        'swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py',
        cfg_options={
            'train_cfg.max_epochs': 20,
            'param_scheduler.1.end': 20,
        }),
]
