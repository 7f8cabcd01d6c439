"""The registered DCC: shapes, gradients, decoding, and weight compatibility
with the DCC inside mmpose's RTMOHead (train, test and deploy)."""
import os.path as osp

import pytest
import torch
from conftest import SMALL_DCC
from mmengine.config import Config
from mmpose.registry import MODELS
from torch.testing import assert_close

from directpose.models.layers import DCC

K, C = 17, SMALL_DCC['in_channels']
REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
TINY_RTMO = osp.join(REPO, 'configs', 'rtmo',
                     'rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py')


def make_inputs(num=6, seed=0):
    """Instance features, padded boxes (cx, cy, w, h) and grid points."""
    g = torch.Generator().manual_seed(seed)
    feats = torch.randn(num, C, generator=g)
    grids = torch.rand(num, 2, generator=g) * 256
    centre = grids + torch.randn(num, 2, generator=g) * 8
    size = torch.rand(num, 2, generator=g) * 120 + 20
    return feats, torch.cat((centre, size), dim=-1), grids


def make_targets(bbox_cs, seed=1):
    g = torch.Generator().manual_seed(seed)
    num = bbox_cs.size(0)
    kpts = bbox_cs[:, None, :2] + (torch.rand(num, K, 2, generator=g) -
                                   0.5) * bbox_cs[:, None, 2:] * 0.8
    vis = (torch.rand(num, K, generator=g) > 0.3).float()
    areas = bbox_cs[:, 2] * bbox_cs[:, 3] / 1.25**2
    return kpts, vis, areas


def rtmo_pair(seed=0):
    """A randomly initialised mmpose RTMOHead's DCC and ours with its
    weights (BN statistics randomised so that eval mode is not trivial)."""
    head_cfg = Config.fromfile(TINY_RTMO).model.head
    head_cfg.type = 'RTMOHead'  # mmpose's, with its own DCC class
    head_cfg.head_module_cfg.pose_vec_channels = C
    head_cfg.dcc_cfg = SMALL_DCC
    torch.manual_seed(seed)
    head = MODELS.build(head_cfg)
    assert type(head).__name__ == 'RTMOHead'
    theirs = head.dcc
    bn = theirs.pose_to_kpts[1]
    bn.running_mean.uniform_(-0.5, 0.5)
    bn.running_var.uniform_(0.5, 2.0)
    bn.weight.data.uniform_(0.5, 1.5)
    bn.bias.data.uniform_(-0.2, 0.2)
    ours = DCC(num_keypoints=K, **SMALL_DCC)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    return theirs, ours


def test_registered_and_built_from_config(small_dcc):
    dcc = MODELS.build(dict(type='DCC', num_keypoints=K, **small_dcc))
    assert isinstance(dcc, DCC)


def test_state_dict_keys_match_mmpose():
    theirs, ours = rtmo_pair()
    assert list(ours.state_dict()) and \
        set(ours.state_dict()) == set(theirs.state_dict())


def test_shapes_and_sigma_range():
    _, dcc = rtmo_pair()
    feats, bbox_cs, grids = make_inputs()
    kpts, (px, py), sigmas = dcc.forward_train(feats, bbox_cs, grids)
    assert kpts.shape == (6, K, 2)
    assert px.shape == (6, K, 24) and py.shape == (6, K, 32)
    assert_close(px.sum(-1), torch.ones(6, K))
    assert_close(py.sum(-1), torch.ones(6, K))
    assert sigmas.shape == (6, K)
    assert ((sigmas > 0) & (sigmas < 0.1)).all()
    # predictions lie inside the padded boxes the bins are spread over
    lo = bbox_cs[:, None, :2] - bbox_cs[:, None, 2:] / 2
    hi = bbox_cs[:, None, :2] + bbox_cs[:, None, 2:] / 2
    assert ((kpts >= lo - 1e-3) & (kpts <= hi + 1e-3)).all()
    dcc.eval()
    assert dcc.forward_test(feats, bbox_cs, grids).shape == (6, K, 2)


def test_leading_dims_are_batched():
    _, dcc = rtmo_pair()
    dcc.eval()
    feats, bbox_cs, grids = make_inputs()
    flat = dcc.forward_test(feats, bbox_cs, grids)
    batched = dcc.forward_test(
        feats.view(2, 3, C), bbox_cs.view(2, 3, 4), grids.view(2, 3, 2))
    assert_close(batched.view(6, K, 2), flat)


def test_bad_input_is_named():
    _, dcc = rtmo_pair()
    feats, bbox_cs, grids = make_inputs()
    with pytest.raises(ValueError, match='feats'):
        dcc(feats[:, :-1], bbox_cs, grids)
    with pytest.raises(ValueError, match='bbox_cs'):
        dcc(feats, bbox_cs[:, :2], grids)


@pytest.mark.parametrize('axis,num_bins', [(0, 24), (1, 32)])
def test_one_hot_distribution_decodes_to_its_bin_centre(axis, num_bins):
    _, dcc = rtmo_pair()
    bbox_cs = torch.tensor([[100.0, 60.0, 50.0, 80.0]])
    centre, size = bbox_cs[0, axis], bbox_cs[0, axis + 2]
    for b in (0, 5, num_bins - 1):
        probs = [torch.full((1, K, n), 1.0 / n) for n in (24, 32)]
        probs[axis] = torch.zeros(1, K, num_bins)
        probs[axis][..., b] = 1
        kpts = dcc.decode(probs, bbox_cs)
        expected = centre + (b / (num_bins - 1) - 0.5) * size
        assert_close(kpts[..., axis], expected.expand(1, K))
        # the uniform distribution on the other axis decodes to the centre
        assert_close(kpts[..., 1 - axis], bbox_cs[:, 1 - axis].expand(1, K))


def test_gradients_reach_every_parameter():
    _, dcc = rtmo_pair()
    feats, bbox_cs, grids = make_inputs()
    feats.requires_grad_(True)
    kpts, probs, sigmas = dcc.forward_train(feats, bbox_cs, grids)
    loss = dcc.loss(probs, sigmas, bbox_cs, *make_targets(bbox_cs)).mean()
    loss.backward()
    assert torch.isfinite(loss)
    # invariant by construction: train-mode BN removes the bias before it,
    # and a bias of the bin features shifts all logits of a keypoint alike
    invariant = ('pose_to_kpts.0.bias', 'x_fc.bias', 'y_fc.bias')
    for name, param in dcc.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all()
        if name in invariant:
            assert_close(
                param.grad, torch.zeros_like(param), atol=1e-4, rtol=0)
        else:
            assert param.grad.abs().sum() > 0, name
    assert feats.grad.abs().sum() > 0


def box_gradient(dcc):
    """The gradient of the MLECC loss to the boxes the bins are spread
    over, as mmpose's RTMOHead computes it (the same boxes for the
    prediction and the target)."""
    feats, bbox_cs, grids = make_inputs()
    bbox_cs.requires_grad_(True)
    _, probs, sigmas = dcc.forward_train(feats, bbox_cs, grids)
    loss = dcc.loss(probs, sigmas, bbox_cs, *make_targets(bbox_cs.detach()))
    loss.mean().backward()
    return probs, bbox_cs.grad


def test_detached_bins_train_the_classifier_but_not_the_boxes():
    _, dcc = rtmo_pair()
    probs, grad = box_gradient(dcc)
    assert grad.abs().sum() > 0  # mmpose's RTMO: the loss moves the boxes
    dcc.zero_grad()
    dcc.detach_bins = True
    detached_probs, detached_grad = box_gradient(dcc)
    assert detached_grad is None
    # the same predictions, and the classifier still learns
    assert_close(detached_probs, probs)
    assert dcc.x_fc.weight.grad.abs().sum() > 0
    assert dcc.pose_to_kpts[0].weight.grad.abs().sum() > 0


def test_loss_decreases_with_a_sharper_correct_prediction():
    _, dcc = rtmo_pair()
    bbox_cs = torch.tensor([[100.0, 100.0, 64.0, 64.0]])
    kpts = torch.full((1, K, 2), 100.0)  # at the middle bin
    vis, areas = torch.ones(1, K), torch.tensor([64.0**2 / 1.25**2])
    sigmas = torch.full((1, K), 0.05)

    def peaked(n, temperature):
        logits = -(torch.arange(n) - (n - 1) / 2).abs() / temperature
        return logits.softmax(-1).expand(1, K, n)

    losses = [
        dcc.loss((peaked(24, t), peaked(32, t)), sigmas, bbox_cs, kpts, vis,
                 areas).item() for t in (8.0, 1.0, 0.2)
    ]
    assert losses[0] > losses[1] > losses[2]


def test_weight_compatible_in_train_mode():
    theirs, ours = rtmo_pair()
    feats, bbox_cs, grids = make_inputs()
    kpt_t, vis, areas = make_targets(bbox_cs)
    results, grads = [], []
    for dcc in (theirs, ours):
        dcc.train()
        kpts, probs, sigmas = dcc.forward_train(feats, bbox_cs, grids)
        targets = dcc.generate_target_heatmap(kpt_t, bbox_cs, sigmas, areas)
        loss = MODELS.build(dict(type='MLECCLoss',
                                 use_target_weight=True))(probs, targets, vis)
        loss.mean().backward()
        results.append((kpts, probs, sigmas, targets, loss))
        grads.append({n: p.grad for n, p in dcc.named_parameters()})
    assert_close(results[1], results[0])
    # atol: the gradients that are zero by construction are float noise
    assert_close(grads[1], grads[0], rtol=1e-3, atol=1e-4)
    # BN statistics were updated identically
    assert_close(ours.state_dict(), theirs.state_dict())
    # our own loss() gives the same as RTMOHead's MLECC recipe
    _, probs, sigmas = ours.forward_train(feats, bbox_cs, grids)
    assert_close(
        ours.loss(probs, sigmas, bbox_cs, kpt_t, vis, areas), results[0][4])


def test_weight_compatible_in_test_mode():
    theirs, ours = rtmo_pair()
    theirs.eval()
    ours.eval()
    feats, bbox_cs, grids = make_inputs()
    assert_close(
        ours.forward_test(feats, bbox_cs, grids),
        theirs.forward_test(feats, bbox_cs, grids))


def test_switch_to_deploy_matches_mmpose_deploy():
    theirs, ours = rtmo_pair()
    theirs.eval()
    ours.eval()
    feats, bbox_cs, grids = make_inputs()
    before = ours.forward_test(feats, bbox_cs, grids)
    theirs.switch_to_deploy()
    ours.switch_to_deploy(dict(input_size=(256, 256)))
    ours.switch_to_deploy()  # idempotent
    assert isinstance(ours.pose_to_kpts, torch.nn.Linear)
    assert set(ours.state_dict()) == set(theirs.state_dict())
    after = ours.forward_test(feats, bbox_cs, grids)
    assert_close(after, before, rtol=1e-5, atol=1e-3)
    assert_close(
        after,
        theirs.forward_test(feats, bbox_cs, grids),
        rtol=1e-5,
        atol=1e-3)
    # a batched [1, N, ...] call, as an exported graph makes it
    batched = ours.forward_test(feats[None], bbox_cs[None], grids[None])
    assert_close(
        batched[0],
        theirs.forward_test(feats[None], bbox_cs[None], grids[None]),
        rtol=1e-5,
        atol=1e-3)


def test_without_gau_or_loss(small_dcc):
    small_dcc['gau_cfg'] = None
    dcc = DCC(num_keypoints=K, **small_dcc, loss_mle=None)
    assert dcc.gau is None and dcc.pos_enc is None
    assert not any(k.startswith(('gau', 'pos_enc')) for k in dcc.state_dict())
    feats, bbox_cs, grids = make_inputs()
    kpts, probs, sigmas = dcc.forward_train(feats, bbox_cs, grids)
    assert kpts.shape == (6, K, 2)
    with pytest.raises(RuntimeError, match='loss_mle'):
        dcc.loss(probs, sigmas, bbox_cs, *make_targets(bbox_cs))


def test_deploy_folds_the_positional_encoding_into_the_gau():
    _, ours = rtmo_pair()
    ours.eval()
    feats, bbox_cs, grids = make_inputs()
    before = ours.forward_test(feats, bbox_cs, grids)
    ours.switch_to_deploy()
    s = SMALL_DCC['gau_cfg']['s']
    assert ours.deploy_qk_beta.shape == (2, K, s)
    assert_close(ours.deploy_qk_beta[1], ours.gau.beta[1] + ours.pos_enc)
    assert not any(k.startswith('deploy_') for k in ours.state_dict())
    # inference now reads the folded constants only: the parameters they
    # came from no longer matter
    with torch.no_grad():
        ours.gau.gamma.zero_()
        ours.gau.beta.zero_()
        ours.pos_enc.zero_()
    assert_close(
        ours.forward_test(feats, bbox_cs, grids), before, rtol=1e-5, atol=1e-3)
