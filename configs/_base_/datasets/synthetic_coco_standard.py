# synthetic-coco, `standard` preset (256x256, 0-12 persons of 8-90% height,
# textured backgrounds, occlusions), made by
#   python tools/dataset/make_synthetic.py --format coco --preset standard
_base_ = ['./synthetic_coco.py']
from directpose.utils.config import synthetic_data  # noqa: E402

data_root = 'data/synthetic-coco-standard/'
train_dataloader, val_dataloader, val_evaluator = synthetic_data(data_root)
test_dataloader, test_evaluator = val_dataloader, val_evaluator
