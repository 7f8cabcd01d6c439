# CrowdPose (14 keypoints), bottom-up data mode; trained on trainval, tested
# on test. Expects data/crowdpose/{annotations,images} (mmpose's layout).
dataset_type = 'CheckedCrowdPoseDataset'  # mmpose's + checks
data_mode = 'bottomup'
data_root = 'data/crowdpose/'

train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/mmpose_crowdpose_trainval.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/mmpose_crowdpose_test.json',
        data_prefix=dict(img='images/'),
        test_mode=True))
test_dataloader = val_dataloader

# AP, AP50, AP75, AR, AR50, AP(E), AP(M), AP(H); CrowdPose has no `area`
val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/mmpose_crowdpose_test.json',
    iou_type='keypoints_crowd',
    prefix='crowdpose',
    use_area=False,
    score_mode='bbox',
    nms_mode='none')
test_evaluator = val_evaluator
