# synthetic-crowdpose, `easy` preset: 14 CrowdPose keypoints and a
# crowdIndex per image, made by
#   python tools/dataset/make_synthetic.py --format crowdpose --preset easy
_base_ = ['./synthetic_coco.py']

dataset_type = 'CheckedCrowdPoseDataset'  # mmpose's + checks
data_root = 'data/synthetic-crowdpose-easy/'
train_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader

# AP, AP50, AP75, AR, AR50, AP(E), AP(M), AP(H) with xtcocotools' crowd mode
val_evaluator = dict(
    ann_file=data_root + 'annotations/val.json',
    iou_type='keypoints_crowd',
    prefix='crowdpose',
    use_area=False)
test_evaluator = val_evaluator
