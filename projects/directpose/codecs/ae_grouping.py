"""Faster associative-embedding grouping with the results of mmpose's.

mmpose's :class:`~mmpose.codecs.AssociativeEmbedding` groups keypoint
candidates with the pure-Python ``munkres`` package and fills the missing
keypoints of each person in a Python loop over persons and keypoints. At 20
persons these two steps took more than half of a tiny HigherHRNet's latency
on a CPU (docs/comparative_study.md). The functions here compute the same
things with :func:`scipy.optimize.linear_sum_assignment` (an optimal
assignment of the same cost matrix) and with array operations. Where
several assignments are equally optimal (two persons whose tags are closer
than 1 round to the same distance), munkres and scipy may pick different
ones; otherwise the results are mmpose's (tests/test_codecs).
"""
from typing import List, Optional, Tuple

import numpy as np
from scipy.optimize import linear_sum_assignment

_UNMATCHED_COST = 1e10  # the cost mmpose pads unmatched candidates with
# Elements of one (persons, H, W) cost array in fill_missing_keypoints: the
# persons are taken a few at a time so that it stays in a core's L2 cache
# (512 KiB of float32), about 2x faster at 160x160 than all at once.
_FILL_CHUNK_ELEMENTS = 2**17
# Missing keypoints are looked for among about this many highest pixels of
# their heatmap first (_best_pixels), and the threshold of those is found on
# every _FILL_SAMPLE_STRIDE-th pixel.
_FILL_FIRST_PIXELS = 512
_FILL_SAMPLE_STRIDE = 16


def group_keypoints_by_tags(vals: np.ndarray,
                            tags: np.ndarray,
                            locs: np.ndarray,
                            keypoint_order: List[int],
                            val_thr: float,
                            tag_thr: float = 1.0,
                            max_groups: Optional[int] = None) -> np.ndarray:
    """Group keypoint candidates into persons by their tags.

    The algorithm of mmpose's ``_group_keypoints_by_tags``: keypoint types
    are visited in ``keypoint_order``; the candidates of a type are matched
    to the persons found so far (cost: the rounded tag distance x 100 minus
    the candidate's score, optimal assignment), and a candidate whose tag is
    ``tag_thr`` or more from its match starts a new person.

    Args:
        vals (np.ndarray): Candidate scores, (K, M).
        tags (np.ndarray): Candidate tags, (K, M, L).
        locs (np.ndarray): Candidate locations, (K, M, D).
        keypoint_order (list[int]): The order the K types are grouped in.
        val_thr (float): Candidates scoring ``val_thr`` or less are dropped.
        tag_thr (float): Largest tag distance of a match.
        max_groups (int, optional): Keep at most this many persons, in order
            of creation.

    Returns:
        np.ndarray: (G, K, D + 1): coordinates and score of each keypoint of
        each person; missing keypoints are zeros.
    """
    K, M, D = locs.shape
    assert vals.shape == tags.shape[:2] == (K, M)
    assert len(keypoint_order) == K
    L = tags.shape[2]
    # at most one person per candidate above the threshold
    capacity = int((vals > val_thr).sum())
    groups = np.zeros((capacity, K, D + 1), dtype=np.float32)
    tag_sums = np.zeros((capacity, L), dtype=np.float64)
    tag_counts = np.zeros(capacity, dtype=np.int64)
    first_tags = np.zeros(capacity, dtype=tags.dtype)  # mmpose's dict keys
    count = 0  # persons so far

    for idx in keypoint_order:
        keep = vals[idx] > val_thr
        if not keep.any():
            continue
        cand_tags = tags[idx][keep]
        cand = np.concatenate((locs[idx][keep], vals[idx][keep, None]), 1)
        num_new, num_groups = len(cand), count
        rows = np.arange(num_new)
        cols = np.full(num_new, num_groups)  # num_groups: a new person
        if num_groups:
            mean_tags = (tag_sums[:num_groups] /
                         tag_counts[:num_groups, None]).astype(cand_tags.dtype)
            dist = np.linalg.norm(
                cand_tags[:, None] - mean_tags[None], ord=2, axis=2)
            cost = np.round(dist) * 100 - cand[:, 2:3]
            if num_new > num_groups:
                cost = np.concatenate((cost,
                                       np.full((num_new, num_new - num_groups),
                                               _UNMATCHED_COST,
                                               dtype=np.float32)), 1)
            rows, matched = linear_sum_assignment(cost)
            ok = (matched < num_groups) & (
                dist[rows, np.minimum(matched, num_groups - 1)] < tag_thr)
            cols = np.where(ok, matched, num_groups)

        new = cols == num_groups
        keys = cand_tags[rows[new], 0]
        if _all_distinct(keys, first_tags[:count]):
            # each new candidate starts its own person: all rows at once
            # (the columns are distinct, so each person gets one addition)
            cols = np.where(new, count + np.cumsum(new) - 1, cols)
            first_tags[cols[new]] = keys
            count += len(keys)
            groups[cols, idx] = cand[rows]
            tag_sums[cols] += cand_tags[rows]
            tag_counts[cols] += 1
            continue
        for row, col in zip(rows, cols):
            key = cand_tags[row, 0]
            if col == num_groups:
                # A new person, or, as in mmpose (a dict keyed by the first
                # tag value), one started earlier with the same first tag.
                same = np.flatnonzero(first_tags[:count] == key)
                if len(same):
                    col = same[0]
                    tag_sums[col] = 0
                    tag_counts[col] = 0
                else:
                    col = count
                    count += 1
                    first_tags[col] = key
            groups[col, idx] = cand[row]
            tag_sums[col] += cand_tags[row]
            tag_counts[col] += 1
    return groups[:count][:max_groups]


def _all_distinct(keys: np.ndarray, first_tags: np.ndarray) -> bool:
    """Whether the first tag values of new persons, (n, ), differ from each
    other and from those of the persons so far, (count, ). Where they do
    not, mmpose's dict (keyed by them) merges persons, which
    :func:`group_keypoints_by_tags` then follows candidate by candidate.
    """
    equal = keys[:, None] == np.concatenate((first_tags, keys))[None]
    return int(equal.sum()) == len(keys)  # each equals itself only


def fill_missing_keypoints(keypoints: np.ndarray, keypoint_scores: np.ndarray,
                           heatmaps: np.ndarray,
                           tags: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Fill each person's missing keypoints from the heatmaps (in place).

    As mmpose's ``AssociativeEmbedding._fill_missing_keypoints``: a person's
    tag is the mean tag at its detected keypoints (score > 0); a missing
    keypoint goes to the pixel of least ``round(tag distance) * 100 -
    heatmap``, with that heatmap value as its score.

    Args:
        keypoints (np.ndarray): (N, K, 2) in heatmap pixels.
        keypoint_scores (np.ndarray): (N, K); 0 marks a missing keypoint.
        heatmaps (np.ndarray): (K, H, W).
        tags (np.ndarray): (K * L, H, W), tag dimension l of keypoint k at
            channel ``l * K + k``.

    Returns:
        tuple: ``keypoints`` (N, K, 2) and ``keypoint_scores`` (N, K).
    """
    N, K = keypoints.shape[:2]
    H, W = heatmaps.shape[1:]
    L = tags.shape[0] // K
    tag_maps = tags.reshape(L, K, H, W).transpose(1, 0, 2, 3)  # (K, L, H, W)

    found = keypoint_scores > 0
    xy = keypoints[..., :2].astype(np.int64)
    x = np.clip(xy[..., 0], 0, W - 1)
    y = np.clip(xy[..., 1], 0, H - 1)
    k_index = np.broadcast_to(np.arange(K), (N, K))
    at_keypoints = tag_maps[k_index, :, y, x]  # (N, K, L)
    with np.errstate(invalid='ignore', divide='ignore'):
        person_tags = ((at_keypoints * found[..., None]).sum(1) /
                       found.sum(1, keepdims=True)).astype(tags.dtype)

    for k in np.flatnonzero((~found).any(0)):
        persons = np.flatnonzero(~found[:, k])
        best = _best_pixels(tag_maps[k], heatmaps[k], person_tags[persons])
        by, bx = np.unravel_index(best, (H, W))
        keypoints[persons, k, 0] = bx
        keypoints[persons, k, 1] = by
        keypoint_scores[persons, k] = heatmaps[k, by, bx]
    return keypoints, keypoint_scores


def _best_pixels(tag_maps: np.ndarray, heatmap: np.ndarray,
                 person_tags: np.ndarray) -> np.ndarray:
    """For each person, the pixel of least ``round(tag distance) * 100 -
    heatmap``, the first one among equals (numpy's ``argmin``).

    The highest pixels of the heatmap are tried first
    (:func:`_highest_pixels`, all pixels at or above a value ``v``), which
    settles most persons: a pixel below ``v`` costs more than ``-v`` (its
    rounded distance is >= 0), so a person whose least cost there is <=
    ``-v`` has it at the same pixel as over the whole map. The other
    persons get the whole map. The costs are the same float operations on
    the same values either way (:func:`_tag_costs`), so the pixels are
    exactly those of a scan of the whole map. At 20 persons on 160x160
    maps, 9 of 10 fills land among the ~500 highest of 25600 pixels, and
    the filling takes 3 ms instead of 7.

    Args:
        tag_maps (np.ndarray): (L, H, W) tags of one keypoint type.
        heatmap (np.ndarray): (H, W) its heatmap.
        person_tags (np.ndarray): (P, L) the persons' tags.

    Returns:
        np.ndarray: (P, ) int64 flat pixel indices.
    """
    tag_maps = tag_maps.reshape(len(tag_maps), -1)  # (L, H * W)
    heatmap = heatmap.reshape(-1)
    best = np.empty(len(person_tags), dtype=np.int64)
    todo = np.arange(len(person_tags))
    highest = _highest_pixels(heatmap, _FILL_FIRST_PIXELS)
    if highest is not None:
        pixels, floor = highest
        cost = _tag_costs(tag_maps[:, pixels], heatmap[pixels], person_tags)
        first = cost.argmin(1)
        settled = cost[np.arange(len(cost)), first] <= -floor
        best[settled] = pixels[first[settled]]
        todo = todo[~settled]
    chunk = max(1, _FILL_CHUNK_ELEMENTS // heatmap.size)
    for start in range(0, len(todo), chunk):
        persons = todo[start:start + chunk]
        best[persons] = _tag_costs(tag_maps, heatmap,
                                   person_tags[persons]).argmin(1)
    return best


def _highest_pixels(heatmap: np.ndarray,
                    count: int) -> Optional[Tuple[np.ndarray, np.floating]]:
    """About the ``count`` highest pixels of a flat heatmap: the ascending
    flat indices of all pixels at or above a value ``v``, and ``v``, which
    is estimated on every 16th pixel (the pixels below ``v`` are then
    exactly those left out, whatever ``v`` is). None where they would not
    be much fewer than all pixels, or none (NaN).

    Args:
        heatmap (np.ndarray): (H * W, ) values.
        count (int): How many pixels to aim at.

    Returns:
        tuple | None: indices (n, ) int64 and ``v``.
    """
    sample = heatmap[::_FILL_SAMPLE_STRIDE]
    rank = len(sample) - count // _FILL_SAMPLE_STRIDE
    if 2 * count > heatmap.size or not 0 <= rank < len(sample):
        return None
    floor = np.partition(sample, rank)[rank]
    pixels = np.flatnonzero(heatmap >= floor)
    if not 0 < 2 * len(pixels) <= heatmap.size:
        return None
    return pixels, floor


def _tag_costs(tag_maps: np.ndarray, heatmap: np.ndarray,
               person_tags: np.ndarray) -> np.ndarray:
    """``round(tag distance) * 100 - heatmap`` of each person at each pixel,
    in float operations whose results do not depend on which pixels are
    taken.

    Args:
        tag_maps (np.ndarray): (L, n) tags at n pixels.
        heatmap (np.ndarray): (n, ) heatmap values there.
        person_tags (np.ndarray): (P, L) the persons' tags.

    Returns:
        np.ndarray: (P, n) costs.
    """
    L = len(tag_maps)
    tags = person_tags[:, :, None]  # (P, L, 1)
    cost = tag_maps[0][None] - tags[:, 0]  # (P, n)
    if L == 1:  # sqrt(x * x) == |x| exactly in IEEE arithmetic
        np.abs(cost, out=cost)
    else:  # the L2 norm as numpy's: sum of squares, then sqrt
        cost *= cost
        for dim in range(1, L):
            diff = tag_maps[dim][None] - tags[:, dim]
            diff *= diff
            cost += diff
        np.sqrt(cost, out=cost)
    np.round(cost, out=cost)
    cost *= 100
    cost -= heatmap
    return cost
