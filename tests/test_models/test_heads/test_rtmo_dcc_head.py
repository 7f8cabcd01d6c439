"""RTMO built on our registered DCC (RTMODCCHead, every RTMO config here)
predicts and trains like mmpose's RTMO from the same weights, and stays
finite where mmpose's overflows; its faster predict (torchvision's NMS)
keeps exactly the persons of mmpose's."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData
from mmpose.evaluation.functional import nms_torch
from mmpose.models.heads import RTMOHead
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from mmpose.utils import register_all_modules
from torch.testing import assert_close

from directpose.models.heads import RTMODCCHead
from directpose.models.heads.rtmo_dcc_head import nms_in_score_order
from directpose.models.layers import DCC

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIGS = {
    'tiny': 'rtmo-tiny_1xb8-30e_synthetic-coco-256x256.py',
    's': 'rtmo-s_8xb32-600e_coco-640x640.py',
}
SIZE = 128


@pytest.fixture(scope='module')
def pairs():
    """Per config pair: mmpose's RTMO with random weights, ours with the
    same weights. Built once; tests that change a model deep-copy it."""
    register_all_modules()
    torch.manual_seed(0)
    return {name: build_pair(name) for name in CONFIGS}


def build_pair(name):
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'rtmo', CONFIGS[name]))
    # keep every location: random weights score about 0.01
    cfg.model.test_cfg.score_thr = 0.0
    cfg.model.backbone.init_cfg = None  # no pretrained download
    ours = MODELS.build(cfg.model)
    # mmpose's RTMO: its own head and DCC
    cfg.model.head.type = 'RTMOHead'
    cfg.model.head.dcc_cfg.pop('type')
    theirs = MODELS.build(cfg.model)
    theirs.init_weights()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    return theirs, ours


def make_batch(num_imgs=2, num_persons=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs = torch.rand(num_imgs, 3, SIZE, SIZE, generator=g) * 255
    samples = []
    for _ in range(num_imgs):
        lo = torch.rand(num_persons, 1, 2, generator=g) * SIZE / 2
        kpts = lo + torch.rand(num_persons, 17, 2, generator=g) * SIZE / 2
        bboxes = torch.cat((kpts.amin(1), kpts.amax(1)), dim=-1)
        wh = bboxes[:, 2:] - bboxes[:, :2]
        sample = PoseDataSample(
            metainfo=dict(
                input_size=(SIZE, SIZE),
                input_center=np.array([SIZE / 2, SIZE / 2]),
                input_scale=np.array([SIZE, SIZE])))
        sample.gt_instance_labels = InstanceData(
            bboxes=bboxes,
            labels=torch.zeros(num_persons, dtype=torch.long),
            keypoints=kpts,
            keypoints_visible=(torch.rand(num_persons, 17, generator=g)
                               > 0.2).float(),
            areas=wh.prod(-1))
        samples.append(sample)
    return inputs, samples


def test_configs_use_our_dcc(pairs):
    for theirs, ours in pairs.values():
        assert type(theirs.head).__name__ == 'RTMOHead'
        assert type(theirs.head.dcc).__module__.startswith('mmpose.')
        assert isinstance(ours.head, RTMODCCHead)
        assert isinstance(ours.head.dcc, DCC)
        assert ours.head.dcc.loss_mle is None  # RTMOHead's loss_mle is used


@pytest.mark.parametrize('name', list(CONFIGS))
def test_same_predictions_as_mmpose_rtmo(pairs, name):
    theirs, ours = pairs[name]
    inputs, samples = make_batch()
    preds = []
    for model in (theirs, ours):
        model.eval()
        with torch.no_grad():
            results = model.predict(inputs, [s.clone() for s in samples])
        preds.append([r.pred_instances for r in results])
    for pred_theirs, pred_ours in zip(*preds):
        assert len(pred_theirs) > 0  # the DCC ran on the NMS survivors
        for key in ('bboxes', 'bbox_scores', 'keypoints', 'keypoint_scores'):
            assert_close(
                torch.from_numpy(pred_ours.get(key)),
                torch.from_numpy(pred_theirs.get(key)),
                rtol=1e-5,
                atol=1e-4)
        assert pred_ours.keypoints.shape == (len(pred_ours), 17, 2)


def test_same_losses_as_mmpose_rtmo(pairs):
    # stage 2 (proxy_target_cc) also uses the DCC keypoints as targets
    theirs, ours = copy.deepcopy(pairs['tiny'])
    inputs, samples = make_batch(num_imgs=1, num_persons=3)
    losses, grads = [], []
    for model in (theirs, ours):
        model.train()
        model.head.proxy_target_cc = True
        loss = model.loss(inputs, [s.clone() for s in samples])
        assert 'loss_mle' in loss
        sum(v.sum() for k, v in loss.items() if k.startswith('loss')) \
            .backward()
        losses.append(loss)
        grads.append({n: p.grad for n, p in model.head.dcc.named_parameters()})
    assert_close(losses[1], losses[0], rtol=1e-4, atol=1e-5)
    # atol: some DCC gradients are zero by construction, i.e. float noise
    assert_close(grads[1], grads[0], rtol=1e-3, atol=1e-4)


def test_deployed_models_predict_the_same(pairs):
    theirs, ours = copy.deepcopy(pairs['tiny'])
    inputs, samples = make_batch(num_imgs=1)
    keypoints = []
    for model in (theirs, ours):
        model.eval()
        model.test_cfg['input_size'] = (SIZE, SIZE)  # deploy at this size
        model.switch_to_deploy()
        with torch.no_grad():
            results = model.predict(inputs, [s.clone() for s in samples])
        keypoints.append(torch.from_numpy(results[0].pred_instances.keypoints))
    assert isinstance(ours.head.dcc.pose_to_kpts, torch.nn.Linear)
    assert_close(keypoints[1], keypoints[0], rtol=1e-5, atol=1e-3)


def test_untrained_weights_give_finite_boxes_and_keypoints(pairs):
    """Box-size logits large enough to overflow exp() give mmpose's head
    infinite boxes and NaN keypoints; ours clamps them, as mmdet's box
    coders do."""
    theirs, ours = copy.deepcopy(pairs['tiny'])
    inputs, samples = make_batch(num_imgs=1)
    keypoints = []
    for model in (theirs, ours):
        model.eval()
        # every location predicts log(w) = log(h) = 100 strides
        bias = model.head.head_module.out_bbox[0].bias
        with torch.no_grad():
            for conv in model.head.head_module.out_bbox:
                conv.weight.zero_()
                conv.bias.copy_(torch.tensor([0.0, 0.0, 100.0, 100.0]))
        assert bias[2] == 100
        with torch.no_grad():
            results = model.predict(inputs, [s.clone() for s in samples])
        keypoints.append(results[0].pred_instances.keypoints)
    assert not np.isfinite(keypoints[0]).all()  # mmpose's RTMOHead
    assert np.isfinite(keypoints[1]).all() and len(keypoints[1]) > 0


def random_boxes(g, num, grid):
    """``num`` boxes (x1, y1, x2, y2): on an integer grid of ``grid`` cells
    when ``grid`` is set (many equal IoUs, some exactly at a threshold), at
    float coordinates otherwise."""
    if grid:
        xy = torch.randint(0, grid, (num, 2), generator=g).float()
        wh = torch.randint(1, 4, (num, 2), generator=g).float()
    else:
        xy = torch.rand(num, 2, generator=g) * 100
        wh = torch.rand(num, 2, generator=g) * 40 + 0.1
    return torch.cat((xy, xy + wh), 1)


@pytest.mark.parametrize('iou_thr', [0.65, 0.5, 1 / 3, 0.1, 0.0])
def test_nms_keeps_what_mmpose_nms_keeps(iou_thr):
    """The same boxes in the same order as mmpose's nms_torch, with tied
    scores (sorted above and below 16 boxes, where torch's sort is not
    stable) and IoUs at the threshold."""
    g = torch.Generator().manual_seed(0)
    kept_some = suppressed_some = 0
    for case in range(120):
        num = int(torch.randint(1, 120, (1, ), generator=g))
        bboxes = random_boxes(g, num, grid=(4, 8, 0)[case % 3])
        scores = torch.randint(0, 1 + case % 7, (num, ), generator=g) / 7 \
            if case % 2 else torch.rand(num, generator=g)
        expected = nms_torch(bboxes, scores, iou_thr)
        kept = nms_in_score_order(bboxes, scores, iou_thr)
        assert torch.equal(kept, expected), (case, kept, expected)
        kept_some += len(kept) > 1
        suppressed_some += len(kept) < num
    assert kept_some > 50 and suppressed_some > 50


def head_inputs(model, num_imgs=2, seed=0):
    """The features and data samples the head of ``model`` predicts from."""
    inputs, samples = make_batch(num_imgs=num_imgs, seed=seed)
    with torch.no_grad():
        feats = model.extract_feat(inputs)
    return feats, samples


def assert_same_instances(ours, theirs):
    assert set(ours.keys()) == set(theirs.keys())
    for key in theirs.keys():
        np.testing.assert_array_equal(ours.get(key), theirs.get(key), key)


@pytest.mark.parametrize(
    'test_cfg, persons_range',
    [
        # all 80 locations (strides 16 and 32 at 128x128) kept
        (dict(score_thr=0.0, nms_thr=0.65), (80, 80)),
        (dict(score_thr=0.0, nms_thr=0.9, nms_pre=30), (30, 30)),
        (dict(score_thr=0.0, nms_thr=0.2), (20, 60)),  # many suppressed
        (dict(score_thr=0.0103, nms_thr=0.65), (1, 10)),  # random weights
        (dict(score_thr=1.0, nms_thr=0.65), (0, 0)),
    ])
def test_predict_equals_mmpose_predict(pairs, test_cfg, persons_range):
    """Our predict against mmpose's RTMOHead.predict run on the same head
    (the same clamped boxes), field by field, bit for bit, from no person
    to every location."""
    head = pairs['tiny'][1].head
    head.eval()
    persons = []
    for seed in range(3):
        feats, samples = head_inputs(pairs['tiny'][1], seed=seed)
        with torch.no_grad():
            theirs = RTMOHead.predict(head, feats, samples, test_cfg)
            ours = head.predict(feats, samples, test_cfg)
        for pred_ours, pred_theirs in zip(ours, theirs):
            assert_same_instances(pred_ours, pred_theirs)
            persons.append(len(pred_ours))
    assert persons_range[0] <= min(persons) <= max(persons) <= persons_range[1]


def test_deployed_predict_equals_mmpose_predict(pairs):
    """In deploy mode (the DCC's folded layers), too."""
    model = copy.deepcopy(pairs['tiny'][1])
    model.eval()
    model.test_cfg['input_size'] = (SIZE, SIZE)
    model.switch_to_deploy()
    feats, samples = head_inputs(model)
    test_cfg = dict(score_thr=0.0, nms_thr=0.65)
    with torch.no_grad():
        theirs = RTMOHead.predict(model.head, feats, samples, test_cfg)
        ours = model.head.predict(feats, samples, test_cfg)
    for pred_ours, pred_theirs in zip(ours, theirs):
        assert len(pred_ours) > 0
        assert_same_instances(pred_ours, pred_theirs)
