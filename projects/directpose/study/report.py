"""The study's outputs: a markdown table, a CSV file and two plots, from
the methods' :class:`~.result.MethodResult`."""
import csv
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

from directpose.evaluation.accuracy_columns import ACCURACY_COLUMNS
from directpose.utils import atomic_open
from .result import MethodResult


def _accuracy_columns(results: Sequence[MethodResult]) -> List[str]:
    styles = {r.accuracy.style for r in results if r.error is None}
    columns: List[str] = []
    for style in ('coco', 'crowdpose'):
        if style in styles or (not styles and style == 'coco'):
            columns += [
                c for c, _ in ACCURACY_COLUMNS[style] if c not in columns
            ]
    return columns


#: a difference of AP between two validation sets above this is flagged
AP_GAP = 0.03
#: the mark of a flagged AP
GAP_MARK = '†'


def _subset_names(results: Sequence[MethodResult]) -> List[str]:
    names: List[str] = []
    for result in results:
        names += [s.name for s in result.subsets if s.name not in names]
    return names


def _val_seeds(results: Sequence[MethodResult]) -> List[int]:
    seeds: List[int] = []
    for result in results:
        seeds += [r.seed for r in result.val_repeats if r.seed not in seeds]
    return seeds


def gap_flagged(result: MethodResult) -> bool:
    """Whether the AP of a further validation set differs from the AP by
    more than :data:`AP_GAP`."""
    gap = result.val_gap()
    return gap is not None and gap > AP_GAP


def _scenes(results: Sequence[MethodResult]):
    return next((r.scenes for r in results if r.scenes is not None), None)


def _latency(result: MethodResult) -> dict:
    """The first backend's latency summaries; empty where none."""
    return result.speed.latency if result.speed else {}


def _persons_timed(result: MethodResult) -> List[dict]:
    return result.speed.persons if result.speed else []


def _persons(results: Sequence[MethodResult]) -> List[int]:
    counts = {p['persons'] for r in results for p in _persons_timed(r)}
    return sorted(counts)


def _persons_entry(result: MethodResult, num: int) -> Optional[dict]:
    for entry in _persons_timed(result):
        if entry['persons'] == num:
            return entry
    return None


def _stat(summaries: dict, key: str, stat: str = 'median') -> float:
    """``summaries[key][stat]``, NaN where absent."""
    return summaries.get(key, {}).get(stat, float('nan'))


def _extra_backends(results: Sequence[MethodResult]) -> List[str]:
    """The backends timed besides each method's first (its ``backend``),
    in study order."""
    names: List[str] = []
    for result in results:
        if result.speed is None:
            continue
        for name in result.speed.backends:
            if name != result.speed.backend and name not in names:
                names.append(name)
    return names


def _main_backend(results: Sequence[MethodResult]) -> str:
    return next((r.speed.backend for r in results if r.speed), 'pytorch')


def flat_row(
    result: MethodResult,
    accuracy_columns: Sequence[str],
    persons: Sequence[int],
    backends: Sequence[str] = (),
    subsets: Sequence[str] = (),
    val_seeds: Sequence[int] = ()
) -> dict:
    """One method as a flat dict of numbers (NaN where absent): the CSV
    row. ``backends``: further backends, whose latency gets a column
    ``latency_ms_<backend>``; ``subsets``: subsets of the validation set,
    whose AP gets a column ``AP <subset>``; ``val_seeds``: further
    validation sets, whose AP gets a column ``AP val seed <seed>``, with
    ``val_gap`` (the largest difference to the AP) and ``val_gap_flagged``
    (above :data:`AP_GAP`)."""
    nan = float('nan')
    row: Dict[str, object] = dict(
        method=result.name, config=result.config, error=result.error or '')
    accuracy = result.accuracy.columns() if result.accuracy else {}
    for column in accuracy_columns:
        row[column] = accuracy.get(column, nan)
    found = {subset.name: subset.ap for subset in result.subsets}
    for name in subsets:
        row[f'AP {name}'] = found.get(name, nan)
    if val_seeds:
        repeats = {r.seed: r.ap for r in result.val_repeats}
        for seed in val_seeds:
            row[f'AP val seed {seed}'] = repeats.get(seed, nan)
        gap = result.val_gap()
        row['val_gap'] = nan if gap is None else gap
        row['val_gap_flagged'] = gap_flagged(result)
    latency = _latency(result)
    cost = result.cost
    row.update(
        params=nan if cost is None else cost.params,
        flops=nan if cost is None or cost.flops is None else cost.flops,
        latency_ms=_stat(latency, 'total'),
        latency_p25_ms=_stat(latency, 'total', 'p25'),
        latency_p75_ms=_stat(latency, 'total', 'p75'),
        postprocess_ms=_stat(latency, 'postprocess'),
        memory_mib=nan
        if latency.get('memory_mib') is None else latency['memory_mib'])
    for name in backends:
        timed = result.speed.backends.get(name) if result.speed else None
        row[f'latency_ms_{name}'] = _stat(timed.latency if timed else {},
                                          'total')
    for num in persons:
        entry = _persons_entry(result, num) or {}
        row[f'persons_{num}_ms'] = _stat(entry, 'total')
        row[f'persons_{num}_postprocess_ms'] = _stat(entry, 'postprocess')
        row[f'persons_{num}_detected'] = _stat(entry, 'instances')
        row[f'persons_{num}_annotated'] = entry.get('annotated', nan)
        recall = entry.get('recall')
        row[f'persons_{num}_recall'] = nan if recall is None else recall
    train = None if cost is None else cost.train_seconds
    row['train_s'] = nan if train is None else train
    row['device'] = result.speed.device if result.speed else ''
    return row


def _fmt(value, digits: int = 1, scale: float = 1.0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return '-'
    return f'{value * scale:.{digits}f}'


def markdown_table(results: Sequence[MethodResult]) -> str:
    """The comparison as a markdown table with notes below it."""
    acc = _accuracy_columns(results)
    persons = _persons(results)
    main = _main_backend(results)
    backends = _extra_backends(results)
    subsets = _subset_names(results)
    seeds = _val_seeds(results)
    scenes = _scenes(results)
    beyond = [n for n in persons if scenes and n > scenes.max_persons]
    header = [
        'Method', *acc, *[f'AP {name}' for name in subsets],
        *[f'AP val seed {seed}' for seed in seeds], 'Params (M)', 'GFLOPs',
        'Latency ms, median (IQR)',
        *[f'{name} ms (x {main})'
          for name in backends], 'Post-proc. ms', 'Peak mem MiB', *[
              f"ms @{n} pers.{'*' if n in beyond else ''} (recall)"
              for n in persons
          ], 'Train min'
    ]
    lines = [
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join(['---'] + ['---:'] * (len(header) - 1)) + '|'
    ]
    notes = []
    for result in results:
        row = flat_row(result, acc, persons, backends, subsets, seeds)
        if result.error:
            cells = [result.name] + ['-'] * (len(header) - 1)
            notes.append(f'- **{result.name}** failed: {result.error}')
        else:
            iqr = row['latency_p75_ms'] - row['latency_p25_ms']
            latency = f"{_fmt(row['latency_ms'])} ({_fmt(iqr)})"
            mark = f' {GAP_MARK}' if gap_flagged(result) else ''
            cells = [
                result.name, *[_fmt(row[c], 3) for c in acc],
                *[_fmt(row[f'AP {name}'], 3) for name in subsets],
                *[_fmt(row[f'AP val seed {s}'], 3) + mark for s in seeds],
                _fmt(row['params'], 2, 1e-6),
                _fmt(row['flops'], 2, 1e-9), latency,
                *[_backend_cell(row, name) for name in backends],
                _fmt(row['postprocess_ms']),
                _fmt(row['memory_mib']), *[
                    f"{_fmt(row[f'persons_{n}_ms'])} "
                    f"({_fmt(row[f'persons_{n}_recall'], 2)})" for n in persons
                ],
                _fmt(row['train_s'], 1, 1 / 60)
            ]
            for name, timed in result.speed.backends.items():
                if timed.error:
                    notes.append(f'- **{result.name}** could not be '
                                 f'timed with {name}: {timed.error}')
        lines.append('| ' + ' | '.join(cells) + ' |')
    timed = [r for r in results if _latency(r).get('total')]
    if timed:
        first = timed[0]
        shapes = ', '.join(
            f"{r.name} {'x'.join(map(str, r.cost.input_shape[1:]))}"
            for r in timed)
        notes[:0] = [
            f'- Device: {first.speed.device}. Latency ({main}): one '
            '`test_step` at batch 1 (normalisation, network, decoding, '
            'rescaling; image loading and resizing excluded) on test-set '
            'images, median and inter-quartile range of '
            f"{first.speed.latency['total']['n']} runs after warm-up. "
            'Post-proc.: the part of it spent outside the network (score '
            'filtering, NMS, grouping).',
            *[
                f'- {name} ms: the same latency with {name} (the model '
                'exported to ONNX, with as many threads; docs/deployment.md)'
                f', and its ratio to the {main} latency.' for name in backends
            ],
            _persons_note(scenes, beyond),
            f'- Peak mem: {first.speed.memory_kind}.',
            '- Params and GFLOPs: the inference model (deploy mode), '
            'network forward only (mmengine complexity analysis), at the '
            f'input size of each method: {shapes}.',
        ]
    notes += _accuracy_notes(results, subsets, seeds)
    shared = {r.cost.train_jobs for r in results if r.cost is not None}
    if shared - {1}:
        notes.append(
            '- Train min: wall time of the training, with '
            f"{' or '.join(map(str, sorted(shared)))} trainings side by side "
            'on the CPU cores (`--train-jobs`), each on its share of them.')
    return '\n'.join(lines + [''] + notes) + '\n'


def _persons_note(scenes, beyond: Sequence[int]) -> str:
    """What the ``ms @N pers. (recall)`` columns are."""
    where = '' if scenes is None else (
        f' (preset `{scenes.preset}`, {scenes.image_size}x'
        f'{scenes.image_size})')
    note = (f'- ms @N pers. (recall): the same on a synthetic scene with '
            f'N persons{where}; recall: the fraction of the annotated '
            'persons of that scene and the next (`speed.images` in all) '
            'matched by a prediction with OKS >= 0.5 (COCO sigmas, greedy '
            'by score), so that a flat curve that finds nobody does not '
            'pass for speed.')
    if beyond:
        note += (f" *: more persons than the preset's images have (at most "
                 f'{scenes.max_persons}); the persons shrink to its smallest '
                 'stature and overlap more than in its data.')
    return note


def _accuracy_notes(results: Sequence[MethodResult], subsets: Sequence[str],
                    seeds: Sequence[int]) -> List[str]:
    """Notes on the subset and further validation set columns."""
    notes = []
    sized = next((r for r in results if r.subsets), None)
    if sized is not None:
        sizes = ', '.join(f'{s.name}: {s.images} images, {s.persons} persons'
                          for s in sized.subsets)
        notes.append(
            '- AP persons a-b: COCO AP (OKS .50:.95, xtcocotools COCOeval on '
            "the test's keypoint results) on the validation images with a "
            'to b annotated persons; AP area a-b: on the persons whose '
            'annotated area (pixels) is in [a, b], the others ignored as '
            f'in COCO\'s APM/APL; -1: no such person. {sizes}.')
    if seeds:
        notes.append(
            f"- AP val seed s: the AP on a validation set of as many images "
            f'drawn with seed s (the AP column: seed 0). {GAP_MARK}: it '
            f'differs from the AP by more than {AP_GAP}, so differences of '
            'AP of that size between methods are within the spread of the '
            'validation set.')
        for result in results:
            if gap_flagged(result):
                notes.append(f'- **{result.name}**: AP differs by '
                             f'{result.val_gap():.3f} between validation '
                             'sets.')
    return notes


def _backend_cell(row: Dict[str, object], name: str) -> str:
    """A further backend's median latency and its ratio to the first's."""
    latency, main = row[f'latency_ms_{name}'], row['latency_ms']
    if math.isnan(latency):
        return '-'
    if math.isnan(main):
        return f'{latency:.1f}'
    return f'{latency:.1f} ({latency / main:.2f}x)'


def write_csv(results: Sequence[MethodResult], path: str) -> None:
    """Every number of every method (:func:`flat_row`), a row a method."""
    acc = _accuracy_columns(results)
    persons = _persons(results)
    backends = _extra_backends(results)
    rows = [
        flat_row(r, acc, persons, backends, _subset_names(results),
                 _val_seeds(results)) for r in results
    ]
    with atomic_open(path, 'w') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _figure():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def plot_accuracy_vs_latency(results: Sequence[MethodResult],
                             path: str) -> None:
    """AP against median latency (IQR as error bars), one point a
    method."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for result in results:
        if result.error or not _latency(result).get('total'):
            continue
        total = result.speed.latency['total']
        ap = result.accuracy.ap
        ax.errorbar(
            total['median'],
            ap,
            xerr=[[total['median'] - total['p25']],
                  [total['p75'] - total['median']]],
            fmt='o',
            capsize=3,
            label=result.name)
        ax.annotate(
            result.name, (total['median'], ap),
            textcoords='offset points',
            xytext=(5, 5))
    device = next(r.speed.device for r in results if not r.error)
    ax.set_xlabel(f'latency per image, ms ({device})')
    ax.set_ylabel('AP')
    ax.grid(alpha=0.3)
    fig.tight_layout()
    with atomic_open(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=120)
    plt.close(fig)


def plot_latency_vs_persons(results: Sequence[MethodResult],
                            path: str) -> None:
    """Latency (solid) and its post-processing part (dashed) against the
    number of persons in the image."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for result in results:
        persons = _persons_timed(result)
        if result.error or not persons:
            continue
        counts = [p['persons'] for p in persons]
        line, = ax.plot(
            counts, [p['total']['median'] for p in persons],
            'o-',
            label=result.name)
        ax.plot(
            counts, [p['postprocess']['median'] for p in persons],
            'x--',
            color=line.get_color(),
            label=f'{result.name} post-proc.')
    ax.set_xlabel('persons in the image')
    ax.set_ylabel('latency per image, ms')
    ax.grid(alpha=0.3)
    ax.legend(fontsize='small')
    fig.tight_layout()
    with atomic_open(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=120)
    plt.close(fig)


def write_report(results: Sequence[MethodResult], work_dir: str) -> str:
    """Write ``results.md``, ``results.csv``, ``ap_vs_latency.png`` and
    ``latency_vs_persons.png`` into ``work_dir``; returns the table."""
    table = markdown_table(results)
    with atomic_open(osp.join(work_dir, 'results.md'), 'w') as f:
        f.write(table)
    write_csv(results, osp.join(work_dir, 'results.csv'))
    if any(not r.error for r in results):
        plot_accuracy_vs_latency(results,
                                 osp.join(work_dir, 'ap_vs_latency.png'))
        plot_latency_vs_persons(results,
                                osp.join(work_dir, 'latency_vs_persons.png'))
    return table
