# synthetic-crowdpose, `standard` preset, made by
#   python tools/dataset/make_synthetic.py --format crowdpose --preset standard
_base_ = ['./synthetic_crowdpose.py']
from directpose.utils.config import synthetic_data  # noqa: E402

data_root = 'data/synthetic-crowdpose-standard/'
train_dataloader, val_dataloader, val_evaluator = synthetic_data(data_root)
test_dataloader, test_evaluator = val_dataloader, val_evaluator
