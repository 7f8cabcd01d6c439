# The tiny DirectPose on synthetic-coco's `standard` preset (256x256 images,
# 0-12 persons of 8-90% height, textured backgrounds), made by
#   python tools/dataset/make_synthetic.py --format coco --preset standard
_base_ = ['./directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py']
from directpose.utils.config import synthetic_data  # noqa: E402

data_root = 'data/synthetic-coco-standard/'
train_dataloader, val_dataloader, val_evaluator = synthetic_data(data_root)
test_dataloader, test_evaluator = val_dataloader, val_evaluator
