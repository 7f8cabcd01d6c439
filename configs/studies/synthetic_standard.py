# The tiny DirectPose, RTMO and SWAHR on the harder synthetic-coco
# `standard` preset (256x256, 0-12 persons of 8-90% of the image height,
# textured backgrounds, occlusion and truncation), with the configs' full
# schedules: about 1.5 hours on 2 CPU cores, minutes on a GPU. Set up as the
# main job (./synthetic_quick.py) otherwise.
#
#   python tools/compare.py configs/studies/synthetic_standard.py
_base_ = ['./synthetic_quick.py']

work_dir = 'work_dirs/synthetic_standard'
dataset = dict(root='data/synthetic-coco-standard', preset='standard')
cfg_options = {'train_dataloader.num_workers': 2}
speed = dict(warmup=5, runs=30, images=20)
methods = [
    dict(
        name='DirectPose',
        config='configs/directpose/'
        'directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py'),
    dict(
        name='RTMO',
        config='configs/rtmo/rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py'),
    dict(
        name='SWAHR',
        config='configs/swahr/'
        'swahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py'),
]
