# synthetic-coco, `standard` preset (256x256, 0-12 persons of 8-90% height,
# textured backgrounds, occlusions), made by
#   python tools/dataset/make_synthetic.py --format coco --preset standard
_base_ = ['./synthetic_coco.py']

data_root = 'data/synthetic-coco-standard/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
