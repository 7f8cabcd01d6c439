"""RTMO built on our registered DCC (RTMODCCHead, every RTMO config here)
predicts and trains like mmpose's RTMO from the same weights, and stays
finite where mmpose's overflows."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample
from mmpose.utils import register_all_modules
from torch.testing import assert_close

from directpose.models.heads import RTMODCCHead
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
