# CrowdPose (14 keypoints), bottom-up data mode: COCO's settings, trained on
# trainval, tested on test. Expects data/crowdpose/{annotations,images}
# (mmpose's layout).
_base_ = ['./coco_bottomup.py']
from directpose.utils.config import crowdpose_dataset  # noqa: E402

dataset_type = 'CheckedCrowdPoseDataset'  # mmpose's + checks
data_root = 'data/crowdpose/'

train_dataloader = dict(dataset=crowdpose_dataset('trainval', data_root))
val_dataloader = dict(dataset=crowdpose_dataset('test', data_root))
test_dataloader = val_dataloader

# AP, AP50, AP75, AR, AR50, AP(E), AP(M), AP(H); CrowdPose has no `area`
val_evaluator = dict(
    ann_file=data_root + 'annotations/mmpose_crowdpose_test.json',
    iou_type='keypoints_crowd',
    prefix='crowdpose',
    use_area=False)
test_evaluator = val_evaluator
