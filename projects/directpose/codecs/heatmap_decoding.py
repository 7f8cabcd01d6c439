"""Faster heatmap NMS and DARK-UDP refinement with the results of mmpose's.

At 20 persons, mmpose's ``batch_heatmap_nms`` (a ``max_pool2d`` whose CPU
kernel visits every window element with index bookkeeping) and its
``refine_keypoints_dark_udp`` (a Python loop over persons, and its
``gaussian_blur``, an OpenCV call per heatmap) were the largest parts of a
tiny SWAHR's post-processing (docs/comparative_study.md). The
functions here compute the same values with the same floating-point
operations, in fewer and larger array operations; tests/test_codecs compares
them with mmpose's bit for bit.
"""
import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor


def max_filter_1d(x: Tensor, size: int, dim: int) -> Tensor:
    """The maximum over a centred window of odd ``size`` along ``dim``,
    outside the tensor counting as -inf (``max_pool`` with stride 1 and
    ``size // 2`` padding): ``size - 1`` element-wise maxima of shifted
    views, which are exact, into one tensor (new ones in ONNX export and
    with autograd).

    Args:
        x (Tensor): Any shape.
        size (int): Odd window size.
        dim (int): The dimension to filter along, -1 or -2.

    Returns:
        Tensor: The shape of ``x``.
    """
    radius = size // 2
    length = x.shape[dim]
    pad = (radius, radius) if dim == -1 else (0, 0, radius, radius)
    padded = F.pad(x, pad, value=float('-inf'))
    if size == 1:
        return padded
    out = torch.maximum(
        padded.narrow(dim, 0, length), padded.narrow(dim, 1, length))
    # neither ONNX nor autograd takes out=
    in_place = not (torch.onnx.is_in_onnx_export() or out.requires_grad)
    for shift in range(2, size):
        shifted = padded.narrow(dim, shift, length)
        if in_place:  # a new tensor per shift costs more (page faults)
            torch.maximum(out, shifted, out=out)
        else:
            out = torch.maximum(out, shifted)
    return out


def heatmap_nms(batch_heatmaps: Tensor, kernel_size: int = 5) -> Tensor:
    """mmpose's ``batch_heatmap_nms``: the heatmaps with every value that is
    not the maximum of its ``kernel_size`` x ``kernel_size`` window set to
    0 (multiplied by 0, as mmpose does).

    The window maximum is separable: a row filter then a column filter
    (:func:`max_filter_1d`), about 20 times faster than ``max_pool2d`` on a
    CPU for 17 heatmaps of 160x160, and traceable to ONNX.

    Args:
        batch_heatmaps (Tensor): (B, K, H, W) heatmaps.
        kernel_size (int): Odd window size. Defaults to 5.

    Returns:
        Tensor: (B, K, H, W) heatmaps after NMS.
    """
    if not (isinstance(kernel_size, int) and kernel_size % 2 == 1):
        raise ValueError(
            f'heatmap NMS: kernel_size must be an odd integer, got '
            f'{kernel_size!r}')
    maximum = max_filter_1d(
        max_filter_1d(batch_heatmaps, kernel_size, -1), kernel_size, -2)
    # the mask times the heatmaps in place of the mask: one tensor fewer
    return torch.eq(batch_heatmaps, maximum).float().mul_(batch_heatmaps)


def gaussian_blur(heatmaps: np.ndarray, kernel: int = 11) -> np.ndarray:
    """mmpose's ``gaussian_blur`` (in place): each heatmap blurred by a
    ``kernel`` x ``kernel`` Gaussian with zeros around it, then scaled back
    to its maximum; in one OpenCV call on all heatmaps stacked with their
    zero borders instead of one per heatmap.

    Each heatmap keeps its ``(kernel - 1) // 2`` rows of zeros above and
    below in the stack, which is as far as the blur of its own pixels
    reaches, so every pixel is blurred from the same values as mmpose's.

    Args:
        heatmaps (np.ndarray): (K, H, W) float32, modulated in place.
        kernel (int): Odd size of the Gaussian.

    Returns:
        np.ndarray: ``heatmaps``, (K, H, W).
    """
    assert kernel % 2 == 1
    border = (kernel - 1) // 2
    K, H, W = heatmaps.shape
    origin_max = heatmaps.reshape(K, -1).max(1)
    padded = np.zeros((K, H + 2 * border, W + 2 * border), dtype=np.float32)
    padded[:, border:border + H, border:border + W] = heatmaps
    blurred = cv2.GaussianBlur(
        padded.reshape(K * (H + 2 * border), -1), (kernel, kernel), 0)
    heatmaps[:] = blurred.reshape(padded.shape)[:, border:border + H,
                                                border:border + W]
    heatmaps *= (origin_max / heatmaps.reshape(K, -1).max(1))[:, None, None]
    return heatmaps


def refine_keypoints_dark_udp(keypoints: np.ndarray, heatmaps: np.ndarray,
                              blur_kernel_size: int) -> np.ndarray:
    """mmpose's ``refine_keypoints_dark_udp`` for all persons at once.

    As mmpose's, it modulates ``heatmaps`` in place (Gaussian blur, clip to
    [1e-3, 50], log), which the filling of missing keypoints then sees, and
    moves each keypoint by a Newton step on the modulated heatmap: minus
    the inverse Hessian (plus float32 eps times the identity) times the
    gradient, from central differences at the keypoint's pixel. mmpose
    loops over the N persons; here each operation runs on all N x K
    keypoints, element by element the same.

    Args:
        keypoints (np.ndarray): (N, K, 2) coordinates in heatmap pixels,
            refined in place.
        heatmaps (np.ndarray): (K, H, W) heatmaps, modulated in place.
        blur_kernel_size (int): Odd size of the Gaussian blur.

    Returns:
        np.ndarray: ``keypoints``, (N, K, 2).
    """
    N, K = keypoints.shape[:2]
    H, W = heatmaps.shape[1:]

    heatmaps = gaussian_blur(heatmaps, blur_kernel_size)
    np.clip(heatmaps, 1e-3, 50., heatmaps)
    np.log(heatmaps, heatmaps)
    heatmaps_pad = np.pad(
        heatmaps, ((0, 0), (1, 1), (1, 1)), mode='edge').ravel()

    index = keypoints[..., 0] + 1 + (keypoints[..., 1] + 1) * (W + 2)
    index += (W + 2) * (H + 2) * np.arange(0, K)
    index = index.astype(int).reshape(-1, 1)  # (N * K, 1)
    i_ = heatmaps_pad[index]
    ix1 = heatmaps_pad[index + 1]
    iy1 = heatmaps_pad[index + W + 2]
    ix1y1 = heatmaps_pad[index + W + 3]
    ix1_y1_ = heatmaps_pad[index - W - 3]
    ix1_ = heatmaps_pad[index - 1]
    iy1_ = heatmaps_pad[index - 2 - W]

    dx = 0.5 * (ix1 - ix1_)
    dy = 0.5 * (iy1 - iy1_)
    derivative = np.concatenate([dx, dy], axis=1).reshape(N * K, 2, 1)
    dxx = ix1 - 2 * i_ + ix1_
    dyy = iy1 - 2 * i_ + iy1_
    dxy = 0.5 * (ix1y1 - ix1 - iy1 + i_ + i_ - ix1_ - iy1_ + ix1_y1_)
    hessian = np.concatenate([dxx, dxy, dxy, dyy], axis=1).reshape(N * K, 2, 2)
    hessian = np.linalg.inv(hessian + np.finfo(np.float32).eps * np.eye(2))
    keypoints -= np.einsum('imn,ink->imk', hessian,
                           derivative).reshape(N, K, 2)
    return keypoints
