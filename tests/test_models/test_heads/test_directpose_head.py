import copy

import numpy as np
import pytest
import torch
from conftest import SMALL_DCC
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.structures import InstanceData
from mmpose.datasets import CocoDataset
from mmpose.datasets.datasets.utils import parse_pose_metainfo
from mmpose.registry import MODELS
from mmpose.structures import PoseDataSample

from directpose.models.task_modules import PoseCandidateSelector

TINY = 'configs/directpose/directpose_r18-tiny_fpn_1xb8-40e_synthetic-coco-256x256.py'  # noqa: E501
FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
GN = dict(type='GN', num_groups=8)


def build_head(**kwargs):
    cfg = dict(
        type='DirectPoseHead',
        num_keypoints=17,
        in_channels=32,
        feat_channels=32,
        stacked_convs=2,
        norm_cfg=GN,
        kpt_predictor=dict(type='KPAlignPredictor'),
        heatmap_branch=dict(
            type='AuxiliaryHeatmapBranch', feat_channels=16, norm_cfg=GN),
        flip_indices=FLIP)
    cfg.update(kwargs)
    head = MODELS.build(cfg)
    head.init_weights()
    return head


def fpn_feats(batch=2, size=128, channels=32):
    torch.manual_seed(0)
    return [
        torch.randn(batch, channels, size // s, size // s)
        for s in (8, 16, 32, 64, 128)
    ]


def data_samples(batch=2, num_persons=2):
    samples = []
    gen = torch.Generator().manual_seed(1)
    for _ in range(batch):
        sample = PoseDataSample(
            metainfo=dict(flip_indices=FLIP, input_size=(128, 128)))
        gt = InstanceData()
        xy = torch.rand(num_persons, 17, 2, generator=gen) * 60 + 20
        gt.keypoints = xy
        gt.keypoints_visible = (torch.rand(num_persons, 17, generator=gen)
                                > 0.2).float()
        gt.bboxes = torch.cat([xy.min(1).values - 4, xy.max(1).values + 4], 1)
        sample.gt_instance_labels = gt
        samples.append(sample)
    return samples


VARIANTS = {
    'naive':
    dict(kpt_predictor=dict(type='ConvRegressionPredictor')),
    'kpalign':
    dict(),
    'grouped-separate':
    dict(
        kpt_predictor=dict(
            type='KPAlignPredictor',
            groups='coco',
            separate_features=True,
            group_channels=8)),
    'no-scales':
    dict(kpt_predictor=dict(type='KPAlignPredictor', use_scale=False)),
    'bbox':
    dict(with_bbox=True),
    'no-heatmap':
    dict(heatmap_branch=None),
}


@pytest.mark.parametrize('variant', VARIANTS)
def test_forward_shapes(variant):
    head = build_head(**VARIANTS[variant])
    cls, ctr, kpts, bboxes = head(fpn_feats())
    sizes = [16, 8, 4, 2, 1]
    assert [c.shape for c in cls] == [(2, 1, s, s) for s in sizes]
    assert [c.shape for c in ctr] == [(2, 1, s, s) for s in sizes]
    assert [k.shape for k in kpts] == [(2, 17, 2, s, s) for s in sizes]
    if variant == 'bbox':
        assert [b.shape for b in bboxes] == [(2, 4, s, s) for s in sizes]
        assert all((b >= 0).all() for b in bboxes)
    else:
        assert bboxes is None


@pytest.mark.parametrize('variant', VARIANTS)
def test_losses_are_finite_and_reach_every_parameter(variant):
    head = build_head(**VARIANTS[variant])
    losses = head.loss(fpn_feats(), data_samples())
    expected = {'loss_cls', 'loss_centerness', 'loss_kpt'}
    if variant == 'bbox':
        expected.add('loss_bbox')
    if variant != 'no-heatmap':
        expected.add('loss_heatmap')
    assert set(losses) == expected
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    sum(losses.values()).backward()
    for name, param in head.named_parameters():
        assert param.grad is not None, name
        # a level's scale only learns from positives on that level (P3 here)
        if 'scales.' not in name or name.endswith('scales.0.scale'):
            assert param.grad.abs().sum() > 0, name


def test_losses_without_persons_are_finite():
    head = build_head(with_bbox=True)
    losses = head.loss(fpn_feats(), data_samples(num_persons=0))
    assert all(torch.isfinite(v) for v in losses.values())
    assert losses['loss_kpt'] == 0 and losses['loss_cls'] > 0
    sum(losses.values()).backward()  # the graph still reaches the head


def test_encoding_then_decoding_targets_gives_back_the_keypoints():
    head = build_head()
    feats = fpn_feats()
    samples = data_samples()
    points = head.level_points(feats)
    targets = head.get_targets(points, samples)
    all_points = torch.cat(points)
    strides = head.point_strides(points)
    predictor = head.kpt_predictor
    for b, sample in enumerate(samples):
        pos = targets['pos'][b]
        assert pos.any()
        offsets = predictor.encode(targets['keypoints'][b][pos],
                                   all_points[pos], strides[pos])
        decoded = predictor.decode(offsets, all_points[pos], strides[pos])
        gt = sample.gt_instance_labels.keypoints[targets['gt_inds'][b][pos]]
        torch.testing.assert_close(decoded, gt)
        vis = sample.gt_instance_labels.keypoints_visible[targets['gt_inds'][b]
                                                          [pos]]
        torch.testing.assert_close(targets['kpt_weights'][b][pos], vis)
        assert (targets['kpt_weights'][b][~pos] == 0).all()


def test_heatmap_branch_is_training_only():
    head = build_head()
    head.eval()
    head.heatmap_branch.forward = None  # any call would fail
    with torch.no_grad():
        results = head.predict(fpn_feats(), data_samples(),
                               dict(score_thr=0.0))
    assert len(results) == 2

    with_branch = build_head()
    branch_params = sum(p.numel()
                        for p in with_branch.heatmap_branch.parameters())
    total = sum(p.numel() for p in with_branch.parameters())
    feats = tuple(fpn_feats(batch=1))
    flops = FlopAnalyzer(with_branch.eval(), (feats, )).total()
    with_branch.switch_to_deploy()
    assert with_branch.heatmap_branch is None
    assert sum(p.numel()
               for p in with_branch.parameters()) == total - branch_params
    assert FlopAnalyzer(with_branch, (feats, )).total() == flops
    without = build_head(heatmap_branch=None)
    assert sum(p.numel() for p in without.parameters()) == total - \
        branch_params


def test_predict_returns_instances_in_input_pixels():
    head = build_head(with_bbox=True).eval()
    with torch.no_grad():
        results = head.predict(fpn_feats(), data_samples(),
                               dict(score_thr=0.0, max_per_img=7))
    for res in results:
        assert isinstance(res.keypoints, np.ndarray)
        assert res.keypoints.shape == (7, 17, 2)
        assert res.keypoint_scores.shape == (7, 17)
        assert res.bboxes.shape == (7, 4)
        assert (np.diff(res.bbox_scores) <= 0).all()  # sorted by score


def mirror(outs, head):
    """Dense outputs a perfectly flip-equivariant head would give for the
    mirrored image."""
    cls, ctr, kpts, bboxes = outs
    sign = torch.tensor([-1.0, 1.0])[:, None, None]
    return ([c.flip(-1) for c in cls], [c.flip(-1) for c in ctr], [
        (k * sign).flip(-1)[:, FLIP] for k in kpts
    ], [b.flip(-1)[:, [2, 1, 0, 3]] for b in bboxes])


def test_flip_fusion_of_a_mirrored_prediction_is_the_prediction(monkeypatch):
    head = build_head(with_bbox=True).eval()
    feats, flipped = fpn_feats(), [f.flip(-1) for f in fpn_feats()]
    with torch.no_grad():
        outs = head._probabilities(feats)
        # a perfectly flip-equivariant head on the mirrored input
        monkeypatch.setattr(
            head, '_probabilities', lambda f: outs
            if f is feats else mirror(outs, head))
        fused = head.dense_outputs([feats, flipped], dict(flip_test=True),
                                   FLIP, PoseCandidateSelector())
    for a, b in zip(outs, fused):
        for x, y in zip(a, b):
            torch.testing.assert_close(x, y)


def test_flip_test_needs_aligned_levels():
    head = build_head().eval()
    feats = [torch.randn(1, 32, s, s) for s in (13, 7, 4, 2, 1)]
    with pytest.raises(ValueError, match='divisible by the largest stride'):
        head.predict([feats, feats], data_samples(1), dict(flip_test=True))


def oks(pred, gt, vis, area, sigmas):
    d2 = ((pred - gt)**2).sum(-1)
    e = d2 / (2 * area * (2 * sigmas)**2 + np.spacing(1))
    return (np.exp(-e) * vis).sum() / max(vis.sum(), 1)


@pytest.mark.slow
def test_overfits_a_handful_of_synthetic_images(synthetic_coco, repo_root,
                                                monkeypatch):
    """Loss goes down and the keypoints are recovered (OKS > 0.9)."""
    monkeypatch.chdir(repo_root)
    cfg = Config.fromfile(TINY)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    size = (128, 128)
    pipeline = [
        dict(type='LoadImage'),
        dict(
            type='BottomupRandomAffine',
            input_size=size,
            shift_prob=0,
            rotate_prob=0,
            scale_prob=0,
            bbox_keep_corner=False),
        dict(
            type='GenerateTarget',
            encoder=dict(type='YOLOXPoseAnnotationProcessor',
                         input_size=size)),
        dict(type='PackPoseInputs'),
    ]
    dataset = CocoDataset(
        data_root=synthetic_coco,
        ann_file='annotations/train.json',
        data_prefix=dict(img='train/'),
        data_mode='bottomup',
        pipeline=pipeline)
    batch = pseudo_collate([dataset[i] for i in range(4)])
    data = model.data_preprocessor(copy.deepcopy(batch), training=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    history = []
    for _ in range(130):  # min OKS 0.87 at 70, 0.94 at 120, 0.97 at 130
        losses = model.loss(data['inputs'], data['data_samples'])
        loss = sum(losses.values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append(loss.item())
    assert np.mean(history[-10:]) < 0.3 * np.mean(history[:10])

    model.eval()
    with torch.no_grad():
        feats = model.extract_feat(data['inputs'])
        results = model.head.predict(feats, data['data_samples'],
                                     model.test_cfg)
    sigmas = parse_pose_metainfo(
        dict(from_file='configs/_base_/datasets/coco.py'))['sigmas']
    scores = []
    for res, sample in zip(results, data['data_samples']):
        gt = sample.gt_instance_labels
        for kpts, vis, box in zip(gt.keypoints.numpy(),
                                  gt.keypoints_visible.numpy(),
                                  gt.bboxes.numpy()):
            area = (box[2] - box[0]) * (box[3] - box[1])
            scores.append(
                max(
                    oks(p, kpts, vis > 0, area, sigmas)
                    for p in res.keypoints))
    assert min(scores) > 0.9, scores


DCC_PREDICTOR = dict(type='DCCPredictor', dcc=dict(type='DCC', **SMALL_DCC))


def test_dcc_needs_the_box_branch():
    with pytest.raises(ValueError, match='with_bbox=True'):
        build_head(kpt_predictor=DCC_PREDICTOR)


def test_dcc_coordinates_train_and_predict():
    head = build_head(kpt_predictor=DCC_PREDICTOR, with_bbox=True)
    cls, ctr, pose_vecs, bboxes = head(fpn_feats())
    assert [v.shape[1] for v in pose_vecs] == [32] * 5
    losses = head.loss(fpn_feats(), data_samples())
    assert torch.isfinite(losses['loss_kpt'])
    sum(losses.values()).backward()
    assert head.kpt_predictor.dcc.x_fc.weight.grad.abs().sum() > 0
    assert head.kpt_predictor.conv.weight.grad.abs().sum() > 0
    head.eval()
    with torch.no_grad():
        results = head.predict(fpn_feats(), data_samples(),
                               dict(score_thr=0.0, max_per_img=5))
    res = results[0]
    assert res.keypoints.shape == (5, 17, 2)
    # DCC keypoints lie in the bins spread over the padded predicted boxes
    cx = (res.bboxes[:, 0] + res.bboxes[:, 2]) / 2
    w = (res.bboxes[:, 2] - res.bboxes[:, 0]) * 1.25
    assert (np.abs(res.keypoints[..., 0] - cx[:, None])
            <= w[:, None] / 2 + 1e-3).all()
    with pytest.raises(NotImplementedError, match='flip'):
        head.predict([fpn_feats(), fpn_feats()], data_samples(),
                     dict(flip_test=True))


def test_candidates_threshold_the_person_probability_per_level():
    """As FCOS/DirectPose: ``score_thr`` applies to the person probability
    alone, the ``nms_pre`` best of each level by sqrt(cls * centerness) are
    kept, and that is the person score."""
    head = build_head()
    feats = fpn_feats(batch=1)
    shapes = [f.shape[-2:] for f in feats]
    cls = [torch.full((1, 1, *s), 0.5) for s in shapes]
    ctr = [torch.full((1, 1, *s), 0.02) for s in shapes]
    cls[0][0, 0, 0, 0], ctr[0][0, 0, 0, 0] = 0.04, 1.0  # sqrt 0.2, cls low
    kpts = [torch.zeros(1, 17, 2, *s) for s in shapes]
    outs = (cls, ctr, kpts, None)
    cfg = dict(score_thr=0.05, nms_pre=3)
    cands = head.get_candidates(outs, cfg, [(1.0, 1.0)])[0]
    # 3 per level, except P7's single location
    assert len(cands) == 3 * 4 + 1
    torch.testing.assert_close(cands.scores, torch.full(
        (13, ), 0.1))  # sqrt(0.5 * 0.02)
    assert not ((cands.points == 4).all(1)).any()  # the low-cls location
    # the first level's candidates come from P3, with its stride
    assert cands.strides[:3].tolist() == [8.0] * 3


def test_assignment_by_the_box_of_the_visible_keypoints():
    gt = InstanceData(
        bboxes=torch.tensor([[0.0, 0.0, 100.0, 100.0],
                             [10.0, 10.0, 20.0, 20.0]]),
        keypoints=torch.tensor([[[30.0, 40.0], [50.0, 60.0], [90.0, 5.0]],
                                [[12.0, 12.0], [15.0, 15.0], [18.0, 18.0]]]),
        keypoints_visible=torch.tensor([[1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]))
    by_box = build_head(num_keypoints=3, flip_indices=None)
    assert by_box.assignment_boxes(gt) is gt.bboxes
    by_kpts = build_head(
        num_keypoints=3, flip_indices=None, assign_by='keypoints')
    # the visible keypoints' extent, one pixel larger on each side; the
    # annotated box for a person without visible keypoints
    torch.testing.assert_close(
        by_kpts.assignment_boxes(gt),
        torch.tensor([[29.0, 39.0, 51.0, 61.0], [10.0, 10.0, 20.0, 20.0]]))
    with pytest.raises(ValueError, match='assign_by'):
        build_head(assign_by='mask')


def test_locations_stay_float32_under_autocast():
    """With fp16 features (CUDA autocast) the locations stay float32, so
    that keypoints decoded from fp16 offsets keep their sub-pixel part on a
    wide input (fp16's spacing is 1 pixel beyond 1024)."""
    head = build_head()
    feats = [
        torch.zeros(1, 32, 2, 1600 // s, dtype=torch.float16)
        for s in (8, 16, 32, 64, 128)
    ]
    points = head.level_points(feats)
    assert all(p.dtype == torch.float32 for p in points)
    all_points, strides = torch.cat(points), head.point_strides(points)
    offsets = torch.full((len(all_points), 17, 2), 0.3, dtype=torch.float16)
    keypoints = head.kpt_predictor.decode(offsets, all_points, strides)
    assert keypoints.dtype == torch.float32
    wide = all_points[:, 0] > 1024
    assert wide.any()
    expected = (all_points[wide, None] +
                0.3 * strides[wide, None, None]).expand(-1, 17, -1)
    torch.testing.assert_close(
        keypoints[wide], expected, rtol=0, atol=0.01)  # fp16: up to 0.5


MIXED_VARIANTS = {
    'grouped-separate': VARIANTS['grouped-separate'],
    'bbox': VARIANTS['bbox'],
    'dcc': dict(kpt_predictor=DCC_PREDICTOR, with_bbox=True),
}


@pytest.mark.parametrize('variant', MIXED_VARIANTS)
def test_trains_and_predicts_under_autocast(variant):
    """Autocast (bfloat16 on CPU: the dtype numpy lacks) mixes low-precision
    features with float32 locations; losses stay finite and predictions come
    back as float32 arrays."""
    head = build_head(**MIXED_VARIANTS[variant])
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = head.loss(fpn_feats(), data_samples())
    assert all(torch.isfinite(v) for v in losses.values())
    sum(losses.values()).backward()
    head.eval()
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16):
        results = head.predict(fpn_feats(), data_samples(),
                               dict(score_thr=0.0, max_per_img=5))
    for res in results:
        for key in ('keypoints', 'keypoint_scores', 'bboxes', 'bbox_scores'):
            assert res[key].dtype == np.float32, key
        assert res.keypoints.shape == (5, 17, 2)
