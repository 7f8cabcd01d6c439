"""The pure-PyTorch mmcv._ext fallback against direct reference
computations."""
import ast
import importlib
import pathlib

import mmcv
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmcv.ops import batched_nms, nms, sigmoid_focal_loss

from directpose.compat import MissingCompiledOpError, uses_mmcv_ops_fallback

pytestmark = pytest.mark.skipif(
    not uses_mmcv_ops_fallback(), reason='full mmcv with compiled ops')


def reference_nms(boxes, scores, thr, offset=0):
    """Greedy NMS in plain numpy; equal scores in input order."""
    boxes = np.asarray(boxes, dtype=np.float64)
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    keep = []
    for i in order:
        ok = True
        for j in keep:
            xx1, yy1 = np.maximum(boxes[i, :2], boxes[j, :2])
            xx2, yy2 = np.minimum(boxes[i, 2:], boxes[j, 2:])
            inter = max(0, xx2 - xx1 + offset) * max(0, yy2 - yy1 + offset)
            area_i = np.prod(boxes[i, 2:] - boxes[i, :2] + offset)
            area_j = np.prod(boxes[j, 2:] - boxes[j, :2] + offset)
            if inter / (area_i + area_j - inter) > thr:
                ok = False
                break
        if ok:
            keep.append(i)
    return keep


def random_boxes(n, seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 50, (n, 2))
    wh = rng.uniform(5, 30, (n, 2))
    # coarse scores make ties frequent
    scores = rng.integers(0, 5, n).astype(np.float32) / 4
    return np.concatenate([xy, xy + wh], 1).astype(np.float32), scores


@pytest.mark.parametrize('seed', range(5))
@pytest.mark.parametrize('offset', [0, 1])
def test_nms_matches_greedy_reference(seed, offset):
    boxes, scores = random_boxes(60, seed)
    dets, inds = nms(
        torch.from_numpy(boxes), torch.from_numpy(scores), 0.4, offset=offset)
    assert inds.tolist() == reference_nms(boxes, scores, 0.4, offset)
    assert dets.shape == (len(inds), 5)
    np.testing.assert_allclose(dets[:, 4].numpy(), scores[inds.numpy()])


def test_nms_no_boxes():
    dets, inds = nms(torch.zeros(0, 4), torch.zeros(0), 0.5)
    assert dets.shape == (0, 5) and inds.shape == (0, )
    assert inds.dtype == torch.long


def test_nms_numpy_in_numpy_out():
    boxes, scores = random_boxes(20, 7)
    dets, inds = nms(boxes, scores, 0.5)
    assert isinstance(inds, np.ndarray)
    assert inds.tolist() == reference_nms(boxes, scores, 0.5)


def test_nms_identical_boxes_all_suppressed_but_first_of_ties():
    boxes = torch.tensor([[0., 0., 10., 10.]] * 4)
    scores = torch.tensor([0.5, 0.9, 0.9, 0.1])
    _, inds = nms(boxes, scores, 0.5)
    assert inds.tolist() == [1]  # highest score, first among equals


def test_nms_threshold_is_strict():
    # IoU of these two boxes is exactly 0.5
    boxes = torch.tensor([[0., 0., 10., 10.], [0., 0., 10., 5.]])
    _, inds = nms(boxes, torch.tensor([0.9, 0.8]), 0.5)
    assert inds.tolist() == [0, 1]
    _, inds = nms(boxes, torch.tensor([0.9, 0.8]), 0.49)
    assert inds.tolist() == [0]


def test_nms_score_threshold_and_max_num():
    boxes, scores = random_boxes(40, 3)
    _, inds = nms(boxes, scores, 0.4, score_threshold=0.3, max_num=3)
    expected = [
        i for i in reference_nms(boxes, scores, 0.4) if scores[i] > 0.3
    ][:3]
    assert inds.tolist() == expected


@pytest.mark.parametrize('class_agnostic', [False, True])
def test_batched_nms_is_per_class_nms(class_agnostic):
    boxes, scores = random_boxes(50, 11)
    labels = np.random.default_rng(0).integers(0, 3, 50)
    cfg = dict(type='nms', iou_threshold=0.3, class_agnostic=class_agnostic)
    dets, keep = batched_nms(
        torch.from_numpy(boxes), torch.from_numpy(scores),
        torch.from_numpy(labels), cfg)
    if class_agnostic:
        expected = reference_nms(boxes, scores, 0.3)
    else:
        expected = [
            i for c in range(3)
            for i in np.flatnonzero(labels == c)[reference_nms(
                boxes[labels == c], scores[labels == c], 0.3)]
        ]
    assert sorted(keep.tolist()) == sorted(expected)
    # the result is sorted by score
    assert torch.all(dets[1:, 4] <= dets[:-1, 4])


def test_batched_nms_empty():
    dets, keep = batched_nms(
        torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long),
        dict(type='nms', iou_threshold=0.5))
    assert dets.shape == (0, 5) and keep.numel() == 0


def reference_focal_loss(logits, target, gamma, alpha, weight=None):
    p = torch.sigmoid(logits)
    onehot = F.one_hot(target, logits.size(1) + 1)[:, :-1].to(logits)
    loss = -(
        alpha * onehot * (1 - p)**gamma * torch.log(p) + (1 - alpha) *
        (1 - onehot) * p**gamma * torch.log(1 - p))
    if weight is not None:
        fg = (target < logits.size(1)).to(logits)
        row = weight[target.clamp(max=logits.size(1) - 1)] * fg + (1 - fg)
        loss = loss * row[:, None]
    return loss


@pytest.mark.parametrize('reduction', ['none', 'mean', 'sum'])
@pytest.mark.parametrize('with_weight', [False, True])
def test_sigmoid_focal_loss_values_and_gradients(reduction, with_weight):
    torch.manual_seed(0)
    logits = torch.randn(12, 4, dtype=torch.float64) * 3
    target = torch.randint(0, 5, (12, ))  # 4 means background
    weight = torch.rand(4, dtype=torch.float64) if with_weight else None
    x1 = logits.clone().requires_grad_()
    out = sigmoid_focal_loss(x1, target, 2.0, 0.25, weight, reduction)
    x2 = logits.clone().requires_grad_()
    ref = reference_focal_loss(x2, target, 2.0, 0.25, weight)
    ref = {'none': ref, 'mean': ref.sum() / 12, 'sum': ref.sum()}[reduction]
    torch.testing.assert_close(out, ref)
    grad_out = torch.rand_like(out)
    out.backward(grad_out)
    ref.backward(grad_out)
    torch.testing.assert_close(x1.grad, x2.grad)


def test_mmdet_focal_loss_cpu_path_agrees_with_mmcv_op():
    from mmdet.models.losses.focal_loss import py_sigmoid_focal_loss
    torch.manual_seed(1)
    logits = torch.randn(16, 3)
    target = torch.randint(0, 4, (16, ))
    onehot = F.one_hot(target, 4)[:, :3].float()
    torch.testing.assert_close(
        sigmoid_focal_loss(logits, target, 2.0, 0.25, None, 'sum'),
        py_sigmoid_focal_loss(logits, onehot, reduction='sum'))


def _imported_mmcv_ops_names():
    """Every (module, name) that mmdet and mmpose import from mmcv.ops."""
    names = set()
    for package in ('mmdet', 'mmpose'):
        root = pathlib.Path(importlib.import_module(package).__file__).parent
        for path in root.rglob('*.py'):
            for node in ast.walk(ast.parse(path.read_text())):
                if (isinstance(node, ast.ImportFrom) and node.module
                        and node.module.startswith('mmcv.ops')):
                    names.update((node.module, a.name) for a in node.names)
    return sorted(names)


def test_every_mmcv_ops_name_used_by_mmdet_and_mmpose_exists():
    names = _imported_mmcv_ops_names()
    assert len(names) > 15  # the scan found the imports
    for module, name in names:
        assert hasattr(importlib.import_module(module), name), (module, name)


def test_mmdet_and_mmpose_models_import():
    import mmdet.models  # noqa: F401
    import mmpose.models  # noqa: F401
    assert mmcv.ops.DeformConv2d.__module__ == 'mmcv.ops.deform_conv'


@pytest.mark.parametrize('use, op', [
    (lambda: mmcv.ops.DeformConv2d(4, 4, 3)
     (torch.randn(1, 4, 8, 8), torch.zeros(1, 18, 6, 6)), 'deform_conv'),
    (lambda: mmcv.ops.ModulatedDeformConv2d(4, 4, 3, padding=1)
     (torch.randn(1, 4, 8, 8), torch.zeros(1, 18, 8, 8), torch.ones(
         1, 9, 8, 8)), 'modulated_deform_conv'),
    (lambda: mmcv.ops.roi_align(
        torch.randn(1, 2, 8, 8), torch.tensor([[0., 0., 0., 4., 4.]]),
        (2, 2)), 'roi_align'),
    (lambda: mmcv.ops.soft_nms(
        torch.tensor([[0., 0., 1., 1.]]), torch.tensor([1.])), 'softnms'),
])
def test_stand_ins_raise_a_clear_error_when_used(use, op):
    with pytest.raises(MissingCompiledOpError) as info:
        use()
    message = str(info.value)
    assert op in message and 'full mmcv' in message
    assert 'docs/install.md' in message
