"""Per-image NMS inside an ONNX graph (ONNX's ``NonMaxSuppression``), and
work on the persons it keeps."""
from typing import Callable, Tuple

import torch
from torch import Tensor
from torchvision.ops import nms


class NonMaxSuppression(torch.autograd.Function):
    """ONNX's ``NonMaxSuppression`` operator, one class, per image.

    In PyTorch (and while tracing) it computes what the operator computes,
    image by image with :func:`torchvision.ops.nms`: the boxes scoring
    above ``score_thr`` are visited by decreasing score, each suppressing
    the later ones that overlap it by an IoU above ``iou_thr``, and at most
    ``max_per_img`` are kept. The exported graph holds the operator itself.

    Call as ``NonMaxSuppression.apply(boxes, scores, max_per_img, iou_thr,
    score_thr)``:

    Args:
        boxes (Tensor): (B, A, 4) as (x1, y1, x2, y2).
        scores (Tensor): (B, 1, A).
        max_per_img (int): Most boxes kept per image.
        iou_thr (float): IoU above which a box is suppressed.
        score_thr (float): Boxes scoring ``score_thr`` or less are dropped.

    Returns:
        Tensor: (M, 3) int64 rows (image, class 0, box index), by image and
        then by decreasing score.
    """

    @staticmethod
    def forward(ctx, boxes: Tensor, scores: Tensor, max_per_img: int,
                iou_thr: float, score_thr: float) -> Tensor:
        selected = []
        for image, (image_boxes,
                    image_scores) in enumerate(zip(boxes, scores[:, 0])):
            candidates = (image_scores > score_thr).nonzero()[:, 0]
            kept = candidates[nms(image_boxes[candidates],
                                  image_scores[candidates],
                                  iou_thr)[:max_per_img]]
            selected.append(
                torch.stack((torch.full_like(
                    kept, image), torch.zeros_like(kept), kept), 1))
        return torch.cat(selected)

    @staticmethod
    def symbolic(g, boxes, scores, max_per_img: int, iou_thr: float,
                 score_thr: float):
        return g.op('NonMaxSuppression', boxes, scores,
                    g.op('Constant', value_t=torch.tensor([max_per_img])),
                    g.op('Constant', value_t=torch.tensor([iou_thr])),
                    g.op('Constant', value_t=torch.tensor([score_thr])))


def nms_keep(boxes: Tensor, scores: Tensor, iou_thr: float, score_thr: float,
             max_per_img: int) -> Tuple[Tensor, Tensor]:
    """Which candidates of each image survive NMS, as a padded batch.

    Args:
        boxes (Tensor): (B, A, 4) candidate boxes (x1, y1, x2, y2).
        scores (Tensor): (B, A) their scores.
        iou_thr (float): IoU above which a box is suppressed.
        score_thr (float): Candidates scoring ``score_thr`` or less are
            dropped.
        max_per_img (int): Most candidates kept per image.

    Returns:
        tuple[Tensor, Tensor]: ``index`` (B, N) int64, the kept candidates of
        each image by decreasing score, and ``valid`` (B, N) bool, False on
        the rows that pad an image with fewer than N kept; N is the most
        kept in an image of the batch, at least 1 (dynamic in an exported
        graph).
    """
    selected = NonMaxSuppression.apply(boxes, scores.unsqueeze(1), max_per_img,
                                       iou_thr, score_thr)
    kept = torch.zeros_like(scores).index_put(
        (selected[:, 0], selected[:, 2]),
        torch.ones_like(selected[:, 0], dtype=scores.dtype))
    # the kept candidates first, by decreasing score
    ranked = torch.where(kept > 0, scores, torch.full_like(scores, -1.0))
    order = ranked.topk(scores.size(1), dim=1)[1]
    # one row at least: ONNX's Reshape reads a 0 in a shape as "keep this
    # dimension", which breaks reshaping an empty batch of persons
    num = kept.sum(dim=1).max().clamp(min=1).long()
    index = order.index_select(1, torch.arange(num, device=scores.device))
    return index, kept.gather(1, index) > 0


def take_rows(values: Tensor, index: Tensor) -> Tensor:
    """Rows of each image of a batch (a gather along dim 1).

    Args:
        values (Tensor): (B, A, ...).
        index (Tensor): (B, N) int64 indices into A (e.g. from
            :func:`nms_keep`).

    Returns:
        Tensor: (B, N, ...).
    """
    # the trailing sizes as constants of the graph (they are constants of
    # the model): traced ones leave the output's shape unknown
    trailing = [int(size) for size in values.shape[2:]]
    index = index.view(*index.shape, *[1] * len(trailing))
    return values.gather(1, index.expand(-1, -1, *trailing))


def run_on_kept(fn: Callable[..., Tensor], valid: Tensor, *inputs:
                Tensor) -> Tensor:
    """``fn`` on the kept persons of a padded batch only, not on the rows
    that pad it (e.g. RTMO's DCC: at batch 8, the padding would be most of
    its work).

    Args:
        fn (Callable): Takes the inputs' kept rows, (M, ...) each, and
            returns (M, ...).
        valid (Tensor): (B, N) bool, as :func:`nms_keep` returns it.
        *inputs (Tensor): (B, N, ...) each.

    Returns:
        Tensor: (B, N, ...): ``fn``'s rows where ``valid``, zeros elsewhere
        (except the first row, which ``fn`` always gets: ONNX's Reshape
        cannot take an empty batch of persons).
    """
    batch, num = valid.shape
    rows = valid.flatten().clone()
    rows[0] = True
    kept = rows.nonzero()[:, 0]
    out = fn(*[x.flatten(0, 1)[kept] for x in inputs])
    full = out.new_zeros((batch * num, *out.shape[1:]))
    return full.index_put((kept, ), out).view(batch, num, *out.shape[1:])
