"""Every method's keypoints come back in the original image's pixels, for
non-square real images, with the flip test and with the multi-scale test.

A known answer, measured rather than recomputed: three coloured discs are
painted into each real COCO image at known places, and the image goes
through the config's own test pipeline and data preprocessor. An oracle
stands in for the network: for each view it is given (a test scale, the
image or its mirror) it finds the discs in the input tensor, fits the view's
affine map from the original image, and outputs the dense predictions
(person scores, offsets, heatmaps and tags, boxes) that a perfect network
would give for the annotated persons seen in that view (on a mirror image,
left and right keypoints swap, as they look). The head then decodes, fuses
flips and scales, and the estimator maps back: the keypoints must be the
annotations.

So that fusion is really tested, each view's answer is off in its own way:
shifted one way on the image and the other way on its mirror (only the
flip average is exact), and each person shown at one test scale only.
"""
import copy
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from conftest import use_real_samples
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmpose.registry import DATASETS, MODELS

REPO = osp.dirname(
    osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
# disc centres (x, y) as fractions of the image size, and their colours
DISCS = np.array([[0.12, 0.15], [0.86, 0.2], [0.3, 0.88]])
COLOURS = np.array([[255, 0, 255], [0, 255, 255], [255, 255, 0]])
RADIUS = 9
SHIFT = np.array([1.5, -1.0])  # each view's deliberate error, original px
TOLERANCE = 0.75  # original-image pixels


@pytest.fixture(scope='module')
def painted(shared_data, tmp_path_factory):
    """The real COCO samples with the discs painted in: their folder."""
    folder = tmp_path_factory.mktemp('painted')
    src = osp.join(shared_data, 'coco')
    for name in sorted(os.listdir(src)):
        if not name.endswith('.jpg'):
            continue
        img = cv2.imread(osp.join(src, name))
        h, w = img.shape[:2]
        for (x, y), colour in zip(disc_centres(w, h), COLOURS):
            cv2.circle(img, (int(x), int(y)), RADIUS, colour[::-1].tolist(),
                       -1)
        cv2.imwrite(str(folder / name.replace('.jpg', '.png')), img)
    return str(folder)


def disc_centres(width, height):
    """Where the discs are, in area coordinates (pixel i spans [i, i+1])."""
    return np.round(DISCS * [width, height]) + 0.5


class Oracle:
    """What a perfect network sees in each view of a batch."""

    def __init__(self, model, samples, annotations, flip_indices):
        preprocessor = model.data_preprocessor
        self.mean = preprocessor.mean.view(-1).numpy()
        self.std = preprocessor.std.view(-1).numpy()
        rgb = preprocessor._channel_conversion  # the input is RGB
        self.colours = COLOURS if rgb else COLOURS[:, ::-1]
        self.samples = samples
        self.annotations = annotations
        self.flip_indices = np.asarray(flip_indices)
        self.shapes = []  # the input size of each test scale, in order

    def scale_of(self, inputs):
        """The test scale (0, 1, ...) of a batch of views."""
        if inputs.shape not in self.shapes:
            self.shapes.append(inputs.shape)
        return self.shapes.index(inputs.shape)

    def view_map(self, image, index):
        """((sx, tx), (sy, ty)): original pixels -> this view's, fitted to
        the discs found in the normalised input image (3, H, W)."""
        pixels = image.permute(1, 2, 0).numpy() * self.std + self.mean
        found = []
        for colour in self.colours:
            weight = np.clip(1 - np.abs(pixels - colour).max(-1) / 40, 0, None)
            ys, xs = np.nonzero(weight)
            assert len(xs) > 10, 'a disc is missing from the view'
            w = weight[ys, xs]
            found.append([(w * (xs + 0.5)).sum(), (w * (ys + 0.5)).sum()])
            found[-1] = [v / w.sum() for v in found[-1]]
        height, width = self.samples[index].metainfo['ori_shape']
        original = disc_centres(width, height)
        return [
            np.polyfit(original[:, a],
                       np.array(found)[:, a], 1) for a in range(2)
        ]

    def persons(self, image, index):
        """The annotated persons of image ``index`` as a network sees them
        in the view ``image``: keypoints (N, K, 2) in the view's pixels,
        off by SHIFT (the other way on a mirror view), invisible ones at
        the person's centre; their centres (N, 2) without the error; the
        persons' indices (those with visible keypoints)."""
        (sx, tx), (sy, ty) = self.view_map(image, index)
        mirrored = sx < 0
        kpts, visible = self.annotations[index]
        persons = np.flatnonzero(visible.any(1))
        centres = np.stack([kpts[p][visible[p]].mean(0) for p in persons])
        kpts = np.where(visible[persons, :, None], kpts[persons],
                        centres[:, None])
        kpts = kpts + (-SHIFT if mirrored else SHIFT)
        if mirrored:  # the left wrist looks like a right wrist
            kpts = kpts[:, self.flip_indices]
        to_view = np.array([sx, sy]), np.array([tx, ty])
        return (kpts * to_view[0] + to_view[1],
                centres * to_view[0] + to_view[1], persons)


def predict(config, shared_data, painted, network, test_cfg, aug_scales=None):
    """Predict the painted samples (batches of 2: differently padded) with
    the config's pipeline, preprocessor, head decoding and estimator, the
    network replaced by ``network(oracle, inputs, scale) -> outputs``.
    Returns the predicted samples and the annotations."""
    cfg = Config.fromfile(osp.join(REPO, config))
    use_real_samples(cfg, shared_data, 'coco')
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, pipeline=[]))
    pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    if aug_scales:
        pipeline[1]['aug_scales'] = aug_scales
    transform = Compose(pipeline)
    cfg.model.test_cfg.update(test_cfg)
    model = MODELS.build(cfg.model).eval()
    model.extract_feat = lambda inputs: inputs  # the image is the feature

    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    annotations = [(info['keypoints'], info['keypoints_visible'] > 0)
                   for info in infos]
    results = []
    for start in range(0, len(infos), 2):
        items = []
        for info in infos[start:start + 2]:
            info['img_path'] = osp.join(
                painted,
                osp.basename(info['img_path']).replace('.jpg', '.png'))
            items.append(transform(info))
        data = model.data_preprocessor(pseudo_collate(items), False)
        oracle = Oracle(model, data['data_samples'],
                        annotations[start:start + 2],
                        dataset.metainfo['flip_indices'])
        model.head.forward = lambda inputs: network(model.head, oracle, inputs,
                                                    oracle.scale_of(inputs))
        with torch.no_grad():
            results += model(data['inputs'], data['data_samples'], 'predict')
    return results, annotations


def check(results, annotations, shift=(0, 0), input_pixels=0.0):
    """Each annotated person has a prediction equal to it (visible
    keypoints, original pixels), after removing ``shift``, within
    ``TOLERANCE`` original pixels or ``input_pixels`` pixels of the input
    (the precision of the coarsest heatmap), whichever is larger."""
    for sample, (kpts, visible) in zip(results, annotations):
        pred = sample.pred_instances.keypoints - shift
        meta = sample.metainfo
        per_input_pixel = min(
            np.asarray(meta['input_scale']) / meta['input_size'])
        tolerance = max(TOLERANCE, input_pixels * per_input_pixel)
        for p in np.flatnonzero(visible.any(1)):
            err = np.abs(pred - kpts[p])[:, visible[p]].max(axis=(1, 2))
            assert err.min() < tolerance, (meta['img_path'], p, err.min())


# --------------------------------------------------------------- DirectPose
DIRECTPOSE = 'configs/directpose/directpose_r50_fpn_8xb4-180k_coco-800x800.py'


def directpose_network(num_scales):
    """FCOSPoseHead.forward of a perfect network: person ``p`` is centred
    on the P4 location nearest its centre, at test scale ``p % num_scales``
    only; its offsets are in P4 strides. No box branch."""

    def forward(head, oracle, inputs, scale):
        b, _, h, w = inputs.shape
        shapes = [(-(-h // s), -(-w // s)) for s in head.strides]
        cls = [inputs.new_full((b, 1, *s), -20.0) for s in shapes]
        ctr = [inputs.new_full((b, 1, *s), 20.0) for s in shapes]
        kpts = [inputs.new_zeros(b, head.num_keypoints, 2, *s) for s in shapes]
        level, stride = 1, head.strides[1]
        for i in range(b):
            xy, centres, persons = oracle.persons(inputs[i], i)
            for person_xy, centre, p in zip(xy, centres, persons):
                if p % num_scales != scale:
                    continue
                col, row = (centre // stride).astype(int)
                point = (np.array([col, row]) + 0.5) * stride
                cls[level][i, 0, row, col] = 20.0
                kpts[level][i, :, :, row, col] = torch.as_tensor(
                    (person_xy - point) / stride)
        return cls, ctr, kpts, None

    return forward


@pytest.mark.parametrize('flip, aug_scales', [(False, None), (True, None),
                                              (False, [0.75, 1.25]),
                                              (True, [0.75, 1.25])])
def test_directpose(flip, aug_scales, repo_root, shared_data, painted,
                    monkeypatch):
    monkeypatch.chdir(repo_root)
    results, annotations = predict(
        DIRECTPOSE,
        shared_data,
        painted,
        directpose_network(1 + len(aug_scales or [])),
        # persons may overlap: keep them all
        dict(
            flip_test=flip,
            multiscale_test=bool(aug_scales),
            nms=dict(type='bbox', iou_threshold=0.99)),
        aug_scales)
    # without the flip test the per-view error stays
    check(results, annotations, shift=(0, 0) if flip else SHIFT)


# -------------------------------------------------------------------- SWAHR
SWAHR = 'configs/swahr/swahr_higherhrnet-w32_4xb20-300e_coco-512x512.py'


def gaussians(shape, u, v, sigma=2.0):
    """Peak-1 Gaussians at index-space (u[i], v[i]) on an (h, w) map:
    (N, h, w), each the outer product of its 1-D factors."""
    across = np.exp(-(np.arange(shape[1]) - u[:, None])**2 / (2 * sigma**2))
    down = np.exp(-(np.arange(shape[0]) - v[:, None])**2 / (2 * sigma**2))
    return down[:, :, None] * across[:, None, :]


def swahr_network(num_scales):
    """AEHigherResolutionHead.forward (test) of a perfect network:
    heatmaps at half the input resolution, person ``p`` at test scale
    ``p % num_scales`` only, and tags ``2 p`` wherever a person's keypoint
    dominates (at every scale: tags are read at the input scale)."""

    def forward(head, oracle, inputs, scale):
        b, _, h, w = inputs.shape
        shape = (h // 2, w // 2)
        heatmaps = np.zeros((b, head.num_keypoints, *shape))
        tags = np.zeros_like(heatmaps)
        for i in range(b):
            xy, _, persons = oracle.persons(inputs[i], i)
            for k in range(head.num_keypoints):
                peaks = gaussians(shape, xy[:, k, 0] / 2 - 0.5,
                                  xy[:, k, 1] / 2 - 0.5)
                shown = (persons % num_scales == scale)[:, None, None]
                heatmaps[i, k] = (peaks * shown).max(0)
                tags[i, k] = 2.0 * persons[peaks.argmax(0)]
        return (torch.as_tensor(heatmaps, dtype=torch.float32),
                torch.as_tensor(tags, dtype=torch.float32))

    return forward


@pytest.mark.parametrize('flip, aug_scales', [(False, None), (True, None),
                                              (False, [0.5, 2.0]),
                                              (True, [0.5, 2.0])])
def test_swahr(flip, aug_scales, repo_root, shared_data, painted, monkeypatch):
    monkeypatch.chdir(repo_root)
    results, annotations = predict(
        SWAHR, shared_data, painted, swahr_network(1 + len(aug_scales or [])),
        dict(flip_test=flip, multiscale_test=bool(aug_scales)), aug_scales)
    # a heatmap peak is found to a pixel of the heatmap resized to the
    # input, a bilinear blow-up of the scale-0.5 heatmap whose pixels span 4
    # input pixels: accept 3 of them (a misplaced scale gave 8-90)
    check(
        results,
        annotations,
        shift=(0, 0) if flip else SHIFT,
        input_pixels=3.0 if aug_scales else 0.0)


# --------------------------------------------------------------------- RTMO
RTMO = 'configs/rtmo/rtmo-s_8xb32-600e_coco-640x640.py'


def rtmo_network(head, oracle, inputs, scale):
    """RTMOHead.forward of a perfect network: person ``p`` scores on the
    stride-16 location nearest its centre, with a pose vector that names it;
    the DCC (replaced too) classifies its keypoints where they are."""
    b, _, h, w = inputs.shape
    shapes = [(-(-h // s), -(-w // s)) for s in head.featmap_strides]
    k = head.num_keypoints
    cls = [inputs.new_full((b, 1, *s), -20.0) for s in shapes]
    boxes = [inputs.new_zeros(b, 4, *s) for s in shapes]
    offsets = [inputs.new_zeros(b, 2 * k, *s) for s in shapes]
    vis = [inputs.new_full((b, k, *s), 20.0) for s in shapes]
    vecs = [inputs.new_zeros(b, 2, *s) for s in shapes]
    keypoints = {}
    stride = head.featmap_strides[0]
    for i in range(b):
        xy, centres, persons = oracle.persons(inputs[i], i)
        for person_xy, centre, p in zip(xy, centres, persons):
            col, row = (centre // stride).astype(int)
            cls[0][i, 0, row, col] = 20.0
            vecs[0][i, :, row, col] = torch.tensor([i, p], dtype=torch.float)
            keypoints[(i, p)] = torch.as_tensor(person_xy, dtype=torch.float)

    def dcc(pose_vecs, bbox_cs, grids):
        return torch.stack([
            keypoints[(int(i), int(p))] for i, p in pose_vecs.tolist()
        ]).reshape(-1, k, 2)

    head.dcc.forward_test = dcc
    return cls, boxes, offsets, vis, vecs


def test_rtmo(repo_root, shared_data, painted, monkeypatch):
    monkeypatch.chdir(repo_root)
    results, annotations = predict(RTMO, shared_data, painted, rtmo_network,
                                   dict(nms_thr=0.99))
    check(results, annotations, shift=SHIFT)  # no flip test: error stays
