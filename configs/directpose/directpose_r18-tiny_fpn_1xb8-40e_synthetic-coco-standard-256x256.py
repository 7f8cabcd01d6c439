# The tiny DirectPose on synthetic-coco's `standard` preset (256x256 images,
# 0-12 persons of 8-90% height, textured backgrounds), made by
#   python tools/dataset/make_synthetic.py --format coco --preset standard
_base_ = ['./directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py']

data_root = 'data/synthetic-coco-standard/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
