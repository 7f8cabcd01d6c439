# With the box branch (GIoU loss): boxes are predicted, not the keypoints'
# extent.
_base_ = ['./directpose_r50_fpn_8xb4-180k_coco-800x800.py']

model = dict(head=dict(with_bbox=True))
