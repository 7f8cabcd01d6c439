# SWAHR on HigherHRNet-W48 at input 640, as the official
# experiments/*/higher_hrnet/w48_640_adam_lr1e-3.yaml: the W32 model at
# width 48 (from MMPose's ImageNet HRNet-W48), heatmaps at 1/4 and 1/2 of
# 640, and a detection threshold of 0.1.
_base_ = ['./swahr_higherhrnet_w32.py']
from directpose.utils.config import inherited_pipelines  # noqa: E402

input_size = (640, 640)
codec = dict(
    _base_.codec,
    input_size=input_size,
    heatmap_size=(160, 160),
    higher_heatmap_sizes=[(320, 320)],
    decode_keypoint_thr=0.1)

model = dict(
    backbone=dict(
        extra=dict(
            stage2=dict(num_channels=(48, 96)),
            stage3=dict(num_channels=(48, 96, 192)),
            stage4=dict(num_channels=(48, 96, 192, 384))),
        init_cfg=dict(checkpoint='https://download.openmmlab.com/mmpose/'
                      'pretrain_models/hrnet_w48-8ef0771d.pth')),
    head=dict(
        in_channels=48,
        higher_channels=48,
        decoder=dict(codec, heatmap_size=input_size)))

# the inherited pipelines at this input size
train_pipeline, val_pipeline = inherited_pipelines(
    _base_, input_size=input_size, encoder=codec)
