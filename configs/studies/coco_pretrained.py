# Compare the full-size models on COCO val2017 from checkpoints (no
# training): accuracy, parameters, FLOPs, GPU/CPU latency and latency
# against the number of persons.
#
#   python tools/compare.py configs/studies/coco_pretrained.py
#
# Needs data/coco/ (annotations/person_keypoints_val2017.json, val2017/).
# RTMO-s is OpenMMLab's checkpoint. SWAHR's official weights must first be
# converted (tools/convert_swahr_checkpoint.py, docs/model_zoo.md).
# DirectPose has no public checkpoint: train it first, e.g.
#   bash tools/dist_train.sh \
#       configs/directpose/directpose_r50_fpn_8xb4-180k_coco-800x800.py 8
# and point `checkpoint` at the result.
work_dir = 'work_dirs/coco_pretrained'
cfg_options = {
    'test_dataloader.num_workers': 2,
}
speed = dict(
    device='auto',
    warmup=10,
    runs=100,
    images=50,
    persons=(1, 5, 10, 20, 40),
    persons_image_size=640,
    persons_preset='standard')
methods = [
    dict(
        name='DirectPose-R50',
        config='configs/directpose/'
        'directpose_r50_fpn_8xb4-180k_coco-800x800.py',
        checkpoint='work_dirs/directpose_r50_fpn_8xb4-180k_coco-800x800/'
        'epoch_48.pth'),
    dict(
        name='RTMO-s',
        config='configs/rtmo/rtmo-s_8xb32-600e_coco-640x640.py',
        checkpoint='https://download.openmmlab.com/mmpose/v1/projects/rtmo/'
        'rtmo-s_8xb32-600e_coco-640x640-8db55a59_20231211.pth'),
    dict(
        name='SWAHR-W32',
        config='configs/swahr/'
        'swahr_higherhrnet-w32_4xb20-300e_coco-512x512.py',
        checkpoint='checkpoints/swahr_w32_512_converted.pth'),
]
