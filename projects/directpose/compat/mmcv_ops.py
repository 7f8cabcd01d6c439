"""A pure-PyTorch stand-in for mmcv's compiled extension ``mmcv._ext``.

mmcv-lite contains all of ``mmcv/ops/*.py``, but its ``mmcv/ops/__init__.py``
loads the compiled module ``mmcv._ext`` and fails without it. Rather than
rewriting the Python side of mmcv.ops, we provide the *kernels* that it calls:

* ``nms`` (behind ``mmcv.ops.nms``, ``batched_nms`` and ``NMSop``) through
  ``torchvision.ops.nms``, with ties broken by input order;
* ``sigmoid_focal_loss_forward`` / ``sigmoid_focal_loss_backward`` (behind
  ``mmcv.ops.sigmoid_focal_loss``), written with PyTorch operations.

Every other kernel name resolves to a stub that raises
:class:`MissingCompiledOpError` when called, naming the kernel and how to get
it. Thus all of mmcv.ops imports (mmdet subclasses ``DeformConv2d`` and friends
at import time), and an op that we do not provide fails only when it is run.
mmcv's own ``batched_nms`` fails on zero boxes (it takes ``boxes.max()``
of an empty tensor); the fallback wraps it to return empty results instead,
as ``nms`` does. When compiled ops are installed (full mmcv), nothing is
changed.
"""
import functools
import importlib.machinery
import importlib.util
import sys
import types
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor
from torchvision.ops import nms as _torchvision_nms

_EXT_NAME = 'mmcv._ext'


class MissingCompiledOpError(RuntimeError):
    """Raised when an mmcv op that needs compiled code is used on mmcv-lite."""


def nms(bboxes: Tensor,
        scores: Tensor,
        iou_threshold: float,
        offset: int = 0) -> Tensor:
    """Greedy NMS kernel, as ``mmcv._ext.nms``.

    Args:
        bboxes (Tensor): Boxes ``(x1, y1, x2, y2)``, shape (N, 4).
        scores (Tensor): Scores, shape (N, ).
        iou_threshold (float): A box is suppressed by a kept box when their
            IoU is strictly greater than this.
        offset (int): 0, or 1 for the legacy convention where a box is
            ``x2 - x1 + 1`` wide.

    Returns:
        Tensor: Indices (int64) of the kept boxes, by decreasing score; among
        equal scores the box that comes first in the input is taken first.
    """
    if bboxes.numel() == 0:
        return bboxes.new_zeros(0, dtype=torch.long)
    order = torch.sort(scores, descending=True, stable=True)[1]
    boxes = bboxes[order].float()
    if offset:
        # (x2 + 1) - x1 is the legacy width; intersections shift the same way
        boxes = torch.cat([boxes[:, :2], boxes[:, 2:] + offset], dim=1)
    # strictly decreasing ranks make torchvision visit boxes in our order
    ranks = torch.arange(
        boxes.size(0), 0, -1, dtype=torch.float32, device=boxes.device)
    keep = _torchvision_nms(boxes, ranks, float(iou_threshold))
    return order[keep]


def _sigmoid_focal_loss(logits: Tensor, target: Tensor, weight: Tensor,
                        gamma: float, alpha: float) -> Tensor:
    """Element-wise sigmoid focal loss, shape (N, C).

    ``target`` holds class indices in ``[0, C]``, ``C`` meaning background;
    ``weight`` is empty or holds one weight per class, applied to the rows of
    foreground targets.
    """
    num_classes = logits.size(1)
    onehot = F.one_hot(target.clamp(max=num_classes),
                       num_classes + 1)[:, :num_classes].to(logits.dtype)
    prob = logits.sigmoid()
    pos = -alpha * (1 - prob).pow(gamma) * F.logsigmoid(logits)
    neg = -(1 - alpha) * prob.pow(gamma) * F.logsigmoid(-logits)
    loss = onehot * pos + (1 - onehot) * neg
    if weight.numel() > 0:
        fg = target < num_classes
        row_weight = torch.ones_like(logits[:, 0])
        row_weight[fg] = weight[target[fg]].to(logits.dtype)
        loss = loss * row_weight[:, None]
    return loss


def sigmoid_focal_loss_forward(input: Tensor, target: Tensor, weight: Tensor,
                               output: Tensor, gamma: float,
                               alpha: float) -> None:
    """Kernel of ``mmcv.ops.sigmoid_focal_loss``: writes into ``output``."""
    with torch.no_grad():
        output.copy_(_sigmoid_focal_loss(input, target, weight, gamma, alpha))


def sigmoid_focal_loss_backward(input: Tensor, target: Tensor, weight: Tensor,
                                grad_input: Tensor, gamma: float,
                                alpha: float) -> None:
    """Gradient kernel: writes d(sum of the loss)/d(input) into
    ``grad_input``."""
    with torch.enable_grad():
        logits = input.detach().requires_grad_(True)
        loss = _sigmoid_focal_loss(logits, target, weight, gamma, alpha)
        grad, = torch.autograd.grad(loss.sum(), logits)
    grad_input.copy_(grad)


_KERNELS = {
    'nms': nms,
    'sigmoid_focal_loss_forward': sigmoid_focal_loss_forward,
    'sigmoid_focal_loss_backward': sigmoid_focal_loss_backward,
}


def _missing_kernel(name: str) -> Callable:

    def stub(*args, **kwargs):
        raise MissingCompiledOpError(
            f'The mmcv op kernel `{name}` needs mmcv\'s compiled extension, '
            'which mmcv-lite does not have. directpose provides pure-PyTorch '
            'versions of nms, batched_nms and sigmoid_focal_loss only. To use '
            f'`{name}`, install full mmcv 2.1.0 with compiled ops '
            '(see docs/install.md, "The full-mmcv path").')

    stub.__name__ = name
    stub.__qualname__ = name
    return stub


def _make_ext_module() -> types.ModuleType:
    module = types.ModuleType(
        _EXT_NAME, 'directpose: pure-PyTorch fallback for mmcv._ext')
    module.__dict__.update(_KERNELS)
    module.__directpose_fallback__ = True
    # no loader: mmengine's `mmcv_full_available()` reads that as "no full
    # mmcv" and keeps to its pure-PyTorch paths (e.g. SyncBN reverting)
    module.__spec__ = importlib.machinery.ModuleSpec(_EXT_NAME, loader=None)

    def __getattr__(name: str) -> Callable:
        if name.startswith('__'):
            raise AttributeError(name)
        stub = _missing_kernel(name)
        setattr(module, name, stub)
        return stub

    module.__getattr__ = __getattr__
    return module


# mmcv's batched_nms, while the wrapper below replaces it
_original_batched_nms = None


def _batched_nms_accepting_no_boxes() -> None:
    """Wrap mmcv's ``batched_nms`` so that zero boxes give empty results."""
    global _original_batched_nms
    import mmcv.ops
    nms_module = importlib.import_module('mmcv.ops.nms')  # not the function
    batched_nms = _original_batched_nms = nms_module.batched_nms

    @functools.wraps(batched_nms)
    def wrapper(boxes: Tensor, scores: Tensor, idxs: Tensor, nms_cfg, *args,
                **kwargs):
        if boxes.numel() == 0:
            dets = torch.cat([boxes.reshape(0, 4), scores.reshape(0, 1)], 1)
            return dets, idxs.new_zeros(0, dtype=torch.long)
        return batched_nms(boxes, scores, idxs, nms_cfg, *args, **kwargs)

    nms_module.batched_nms = mmcv.ops.batched_nms = wrapper


def has_compiled_mmcv_ops() -> bool:
    """Whether mmcv's real compiled extension is installed."""
    if uses_mmcv_ops_fallback():
        return False
    try:
        return importlib.util.find_spec(_EXT_NAME) is not None
    except ImportError:  # mmcv itself is missing
        return False


def uses_mmcv_ops_fallback() -> bool:
    """Whether ``mmcv._ext`` is this module's fallback."""
    return getattr(
        sys.modules.get(_EXT_NAME), '__directpose_fallback__', False)


def install_mmcv_ops_fallback() -> bool:
    """Make ``import mmcv.ops`` work without compiled ops.

    Does nothing when mmcv's compiled extension exists or the fallback is
    already installed.

    Returns:
        bool: True if the fallback is in use after the call.
    """
    if uses_mmcv_ops_fallback():
        return True
    if has_compiled_mmcv_ops():
        return False
    sys.modules[_EXT_NAME] = _make_ext_module()
    _batched_nms_accepting_no_boxes()
    return True


def uninstall_mmcv_ops_fallback() -> None:
    """Remove the fallback: ``mmcv._ext`` is looked up again on the next
    import and ``batched_nms`` is mmcv's own. Modules that already took
    references to the fallback's kernels (``mmcv.ops`` itself) keep them."""
    global _original_batched_nms
    if not uses_mmcv_ops_fallback():
        return
    del sys.modules[_EXT_NAME]
    if _original_batched_nms is not None:
        import mmcv.ops
        nms_module = importlib.import_module('mmcv.ops.nms')
        nms_module.batched_nms = mmcv.ops.batched_nms = _original_batched_nms
        _original_batched_nms = None
