"""Per-image NMS as ONNX's NonMaxSuppression: known answers in PyTorch, and
the exported graph (ONNX Runtime) keeping the same persons."""
import io

import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn

from directpose.deploy import nms_keep, run_on_kept


def boxes_and_scores(batch=3, num=60, seed=0):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(batch, num, 2, generator=g) * 100
    wh = torch.rand(batch, num, 2, generator=g) * 40 + 5
    scores = torch.rand(batch, num, generator=g)
    return torch.cat((xy, xy + wh), -1), scores


def test_known_answer():
    # image 0: box 1 overlaps box 0 (IoU 0.9) and scores lower: suppressed;
    # box 2 is apart; box 3 scores under the threshold
    # image 1: one box kept; its second row pads the batch
    boxes = torch.tensor([[[0., 0, 10, 10], [0, 0, 10, 9], [20, 20, 30, 30],
                           [40, 40, 50, 50]],
                          [[0., 0, 10, 10], [50, 50, 60, 60], [0, 0, 1, 1],
                           [0, 0, 2, 2]]])
    scores = torch.tensor([[0.9, 0.8, 0.5, 0.05], [0.7, 0.01, 0.02, 0.03]])
    index, valid = nms_keep(boxes, scores, 0.5, 0.1, 100)
    assert index.shape == valid.shape == (2, 2)
    assert index[0].tolist() == [0, 2] and valid[0].tolist() == [True, True]
    assert index[1, 0] == 0 and valid[1].tolist() == [True, False]
    # at most max_per_img
    index, valid = nms_keep(boxes, scores, 0.5, 0.1, 1)
    assert index.tolist() == [[0], [0]] and valid.all()
    # nothing above the threshold: one padding row (an empty dimension
    # would not reshape in ONNX)
    index, valid = nms_keep(boxes, scores, 0.5, 0.95, 100)
    assert index.shape == (2, 1) and not valid.any()


def test_same_as_torchvision_per_image():
    from torchvision.ops import nms
    boxes, scores = boxes_and_scores()
    index, valid = nms_keep(boxes, scores, 0.4, 0.3, 1000)
    for b in range(len(boxes)):
        keep = (scores[b] > 0.3).nonzero()[:, 0]
        expected = keep[nms(boxes[b][keep], scores[b][keep], 0.4)]
        assert index[b][valid[b]].tolist() == expected.tolist()
        # sorted by decreasing score
        kept = scores[b][index[b][valid[b]]]
        assert (kept[:-1] >= kept[1:]).all()


class _Graph(nn.Module):

    def forward(self, boxes, scores):
        index, valid = nms_keep(boxes, scores, 0.4, 0.3, 1000)
        return index, valid.float()


def test_exported_graph_keeps_the_same_boxes_for_any_batch():
    buffer = io.BytesIO()
    torch.onnx.export(
        _Graph(),
        boxes_and_scores(batch=2),
        buffer,
        dynamo=False,
        opset_version=17,
        input_names=['boxes', 'scores'],
        output_names=['index', 'valid'],
        dynamic_axes={
            'boxes': {
                0: 'batch'
            },
            'scores': {
                0: 'batch'
            }
        })
    assert b'NonMaxSuppression' in buffer.getvalue()
    session = ort.InferenceSession(buffer.getvalue())
    for batch, seed in ((1, 1), (4, 2)):
        boxes, scores = boxes_and_scores(batch, seed=seed)
        index, valid = session.run(None, {
            'boxes': boxes.numpy(),
            'scores': scores.numpy()
        })
        expected_index, expected_valid = nms_keep(boxes, scores, 0.4, 0.3,
                                                  1000)
        assert index.shape == tuple(expected_index.shape)
        np.testing.assert_array_equal(valid > 0, expected_valid.numpy())
        # the padding rows may point anywhere; the kept ones must agree
        np.testing.assert_array_equal(index[valid > 0],
                                      expected_index[expected_valid].numpy())


def test_run_on_kept_skips_the_padding_rows():
    values = torch.arange(2 * 3 * 2, dtype=torch.float32).view(2, 3, 2)
    valid = torch.tensor([[True, True, False], [True, False, False]])
    seen = []

    def fn(rows):
        seen.append(len(rows))
        return rows * 10

    out = run_on_kept(fn, valid, values)
    assert seen == [3]  # the kept rows only
    assert out.shape == (2, 3, 2)
    assert torch.equal(out[valid], values[valid] * 10)
    assert not out[~valid].any()
    # nobody kept: fn still gets one row (ONNX cannot reshape an empty
    # batch), which the caller masks
    out = run_on_kept(fn, torch.zeros(2, 3, dtype=torch.bool), values)
    assert seen[-1] == 1 and torch.equal(out[0, 0], values[0, 0] * 10)
