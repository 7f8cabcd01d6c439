# SWAHR on HigherHRNet-W48, CrowdPose (14 keypoints), input 640: the COCO
# config with CrowdPose data, trained on trainval and tested on test, as
# the official experiments/crowd_pose/higher_hrnet/w48_640_adam_lr1e-3.yaml.
_base_ = ['./swahr_higherhrnet-w48_8xb10-300e_coco-640x640.py']

dataset_type = 'CheckedCrowdPoseDataset'  # mmpose's + checks
data_root = 'data/crowdpose/'

default_hooks = dict(checkpoint=dict(save_best='crowdpose/AP'))

model = dict(
    head=dict(
        num_keypoints=14,
        # the official code's: COCO's order cut to the indices below 14
        decoder=dict(decode_keypoint_order=[
            0, 1, 2, 3, 4, 5, 6, 11, 12, 7, 8, 9, 10, 13
        ])))

train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/mmpose_crowdpose_trainval.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/mmpose_crowdpose_test.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader

# AP, AP50, AP75, AR, AR50, AP(E), AP(M), AP(H); CrowdPose has no `area`
val_evaluator = dict(
    _delete_=True,
    type='CocoMetric',
    ann_file=data_root + 'annotations/mmpose_crowdpose_test.json',
    iou_type='keypoints_crowd',
    prefix='crowdpose',
    use_area=False,
    score_mode='bbox',
    nms_mode='none')
test_evaluator = val_evaluator
