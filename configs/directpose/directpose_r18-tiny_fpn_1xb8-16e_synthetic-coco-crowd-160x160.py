# The crowd DirectPose trained twice as long (1600 iterations): the model of
# configs/studies/synthetic_crowd_long.py, where every method passes AP 0.45.
# Its constant rate needs no other change (AP 0.293 / 0.440 / 0.506 after 8 /
# 12 / 16 epochs; docs/comparative_study.md, "Stop 25").
_base_ = ['./directpose_r18-tiny_fpn_1xb8-8e_synthetic-coco-crowd-160x160.py']

train_cfg = dict(max_epochs=16)
