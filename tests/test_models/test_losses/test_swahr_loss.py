"""AdaptiveHeatmapLoss (SAHR + WAHR) against a direct NumPy computation of
the formulas, values and gradients."""
import numpy as np
import pytest
import torch
from mmpose.models.losses import KeypointMSELoss
from mmpose.registry import MODELS

from directpose.models.losses import AdaptiveHeatmapLoss

GAMMA = 0.01


def numpy_swahr(P, H, S, M, use_sahr, use_wahr, lam=1.0):
    """Loss, dL/dP and dL/dS, written from the paper's formulas."""
    n = P.size
    M = np.broadcast_to(M, P.shape)
    pos = (H > 0).astype(np.float64)
    S_hat = S * pos if use_sahr else np.zeros_like(S)
    log_h = np.log(np.where(H > 0, H, 1.0))
    target = H + H * S_hat * log_h + 0.5 * H * (S_hat * log_h)**2
    d_target = (H * log_h + H * log_h**2 * S_hat) * pos  # d target / d S
    if use_wahr:
        h_g = H**GAMMA
        W = np.abs(1 - P) * h_g + np.abs(P) * (1 - h_g)
        dW = -np.sign(1 - P) * h_g + np.sign(P) * (1 - h_g)
    else:
        W, dW = np.ones_like(P), np.zeros_like(P)
    err = P - target
    loss = (M * W * err**2).sum() / n
    grad_p = M * (dW * err**2 + 2 * W * err) / n
    grad_s = M * (-2 * W * err * d_target) / n
    if use_sahr:
        loss += lam * (M * S_hat**2).sum() / n
        grad_s += lam * M * 2 * S_hat * pos / n
    return loss, grad_p, grad_s


def random_inputs(seed=0, shape=(2, 3, 8, 8)):
    rng = np.random.default_rng(seed)
    H = rng.uniform(0, 1, shape) * (rng.uniform(size=shape) > 0.4)
    H[0, 0, 2, 2] = 1.0  # a peak
    P = rng.uniform(-0.3, 1.3, shape)
    S = rng.normal(0, 0.5, shape)
    M = (rng.uniform(size=(shape[0], 1) + shape[2:]) > 0.2).astype(float)
    return P, H, S, M


@pytest.mark.parametrize('use_sahr', [True, False])
@pytest.mark.parametrize('use_wahr', [True, False])
def test_value_and_gradients_match_numpy(use_sahr, use_wahr):
    P, H, S, M = random_inputs()
    lam = 0.7
    loss_fn = AdaptiveHeatmapLoss(
        use_sahr=use_sahr, use_wahr=use_wahr, scale_loss_weight=lam)
    p = torch.tensor(P, requires_grad=True)
    s = torch.tensor(S, requires_grad=True)
    loss = loss_fn(
        p,
        torch.tensor(H),
        mask=torch.tensor(M),
        scale=s if use_sahr else None)
    loss.backward()
    ref, grad_p, grad_s = numpy_swahr(P, H, S, M, use_sahr, use_wahr, lam)
    np.testing.assert_allclose(loss.item(), ref, rtol=1e-10)
    np.testing.assert_allclose(p.grad.numpy(), grad_p, atol=1e-12)
    if use_sahr:
        np.testing.assert_allclose(s.grad.numpy(), grad_s, atol=1e-12)
        # the scale outside the Gaussian support gets no gradient
        assert np.all(s.grad.numpy()[H == 0] == 0)
        assert np.abs(s.grad.numpy()[(H > 0) & (M > 0)]).max() > 0


def test_zero_scale_gives_the_weighted_mse():
    P, H, _, M = random_inputs(1)
    p, h, m = map(torch.tensor, (P, H, M))
    zero = torch.zeros_like(p)
    swahr = AdaptiveHeatmapLoss()(p, h, mask=m, scale=zero)
    h_g = H**GAMMA
    W = np.abs(1 - P) * h_g + np.abs(P) * (1 - h_g)
    np.testing.assert_allclose(
        swahr.item(), (M * W * (P - H)**2).mean(), rtol=1e-12)
    # and without WAHR, mmpose's masked KeypointMSELoss
    sahr = AdaptiveHeatmapLoss(use_wahr=False)(p, h, mask=m, scale=zero)
    mse = KeypointMSELoss()(p, h, None, m)
    torch.testing.assert_close(sahr, mse)


def test_target_weights_mask_keypoints_like_keypoint_mse_loss():
    P, H, _, M = random_inputs(2)
    p, h, m = map(torch.tensor, (P, H, M))
    weights = torch.tensor([[1., 0., 1.], [0., 1., 1.]], dtype=p.dtype)
    ours = AdaptiveHeatmapLoss(use_sahr=False, use_wahr=False)
    torch.testing.assert_close(
        ours(p, h, weights, m),
        KeypointMSELoss()(p, h, weights, m))


def test_exact_scaled_gaussian_and_its_second_order_expansion():
    """What the SAHR target stands for: with H a Gaussian of sigma0,
    H**(1+s) is a Gaussian of sigma0 / sqrt(1+s); the loss regresses its
    second-order expansion in s*ln(H), close to it near the peak."""
    sigma0 = 2.0
    d2 = np.arange(-6, 7)[:, None]**2 + np.arange(-6, 7)[None, :]**2
    H = np.exp(-d2 / (2 * sigma0**2))
    for s in (-0.4, -0.1, 0.2, 0.5, 1.0):
        exact = H**(1 + s)
        sigma = sigma0 / np.sqrt(1 + s)
        np.testing.assert_allclose(exact, np.exp(-d2 / (2 * sigma**2)))
        approx = AdaptiveHeatmapLoss.scaled_target(
            torch.tensor(H), torch.full(H.shape, s, dtype=torch.float64))
        near = np.abs(s * np.log(H)) <= 0.5  # third-order term <= 0.5**3/6
        np.testing.assert_allclose(
            approx.numpy()[near], exact[near], atol=0.025)
    # s > 0 sharpens the target, s < 0 widens it
    sharp = AdaptiveHeatmapLoss.scaled_target(
        torch.tensor(H), torch.full(H.shape, 0.3, dtype=torch.float64))
    wide = AdaptiveHeatmapLoss.scaled_target(
        torch.tensor(H), torch.full(H.shape, -0.3, dtype=torch.float64))
    assert sharp[6, 8] < H[6, 8] < wide[6, 8]
    assert sharp[6, 6] == wide[6, 6] == 1.0


def test_the_scale_map_is_required_exactly_with_sahr():
    p = torch.rand(1, 2, 4, 4)
    with pytest.raises(ValueError, match='needs a scale map'):
        AdaptiveHeatmapLoss(use_sahr=True)(p, p)
    with pytest.raises(ValueError, match='got a scale map'):
        AdaptiveHeatmapLoss(use_sahr=False)(p, p, scale=p)
    with pytest.raises(ValueError, match='does not match'):
        AdaptiveHeatmapLoss()(p, p, scale=p[:, :1])


def test_built_from_the_registry():
    loss = MODELS.build(
        dict(type='AdaptiveHeatmapLoss', use_sahr=False, gamma=0.5))
    assert isinstance(loss, AdaptiveHeatmapLoss)
    assert not loss.use_sahr and loss.use_wahr and loss.gamma == 0.5
