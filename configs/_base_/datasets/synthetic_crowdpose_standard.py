# synthetic-crowdpose, `standard` preset, made by
#   python tools/dataset/make_synthetic.py --format crowdpose --preset standard
_base_ = ['./synthetic_crowdpose.py']

data_root = 'data/synthetic-crowdpose-standard/'
train_dataloader = dict(dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
