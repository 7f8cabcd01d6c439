"""The device check's report (``device_check.json``) as markdown tables
(``device_check.md``): checks, tiny-config training, full-size training
speed and memory, inference latency."""
import math
from typing import List, Optional, Sequence


def _fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float)
                         and not math.isfinite(value)) or isinstance(
                             value, str):
        return '-' if value is None or isinstance(value, str) else str(value)
    if isinstance(value, int):
        return str(value)
    return f'{value:.{digits}f}'


def _table(header: Sequence[str], rows: List[Sequence[str]]) -> List[str]:
    return [
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join(['---'] * len(header)) + '|',
        *('| ' + ' | '.join(row) + ' |' for row in rows)
    ]


def _problem(entry: Optional[dict]) -> Optional[str]:
    """'error: ...' or 'skipped: ...' for an item that has no result."""
    if not isinstance(entry, dict):
        return 'not run'
    if 'error' in entry:
        return f"error: {entry['error']}"
    if 'skipped' in entry:
        return f"skipped: {entry['skipped']}"
    return None


def _header(report: dict) -> List[str]:
    s = report['settings']
    done = 'yes' if report.get('finished') else 'no (cut short)'
    return [
        '# Device check', '',
        f"Device: {report['device']}; torch {report['torch']} (CUDA "
        f"{report.get('cuda')}); Python {report['python']}; "
        f"{report['cpu_count']} CPUs. Started {report['started']}, "
        f"{_fmt(report.get('elapsed_s'), 0)} s, finished: {done}." +
        (' Quick run: tiny configs stand in for the full-size ones.'
         if s['quick'] else ''), ''
    ]


def _checks(report: dict) -> List[str]:
    marks = {True: 'ok', False: '**FAILED**', None: 'n/a'}
    rows = [[c['name'], marks[c['ok']], c['detail']] for c in report['checks']]
    return ['## Checks', '', *_table(['check', 'result', 'detail'], rows), '']


def _tiny(report: dict) -> List[str]:
    s = report['settings']
    tol = ', '.join(f'{a}-{b}: {t:g}' for a, b, t in report['loss_tolerances'])
    lines = [
        '## Tiny synthetic configs', '',
        f"{s['tiny_iters']} fp32 and {s['amp_iters']} mixed-precision "
        'iterations each, then COCO AP on the '
        f"{s['num_val']} validation images of synthetic-coco `easy` "
        f"(seed {s['seed']}). The first {s['reference_iters']} fp32 "
        'iterations run again, without TF32, on the device and on the CPU '
        '(another process) from the same initial weights on the same '
        'batches: relative deviation |device - CPU| / |CPU| of their '
        f'losses, maximum per range of iterations (tolerances {tol}).', ''
    ]
    header = [
        'method', 'precision', 'iters', 's/iter', 'peak MiB',
        'loss first -> last', 'AP', 'AR', 'loss scale',
        'max rel. deviation from CPU'
    ]
    rows = []
    for name, entry in report['tiny'].items():
        for precision in ('fp32', 'amp'):
            run = entry.get(precision)
            problem = _problem(run)
            if problem:
                rows.append([name, precision, problem] + [''] * 7)
                continue
            acc = run.get('accuracy', {})
            first = run['loss_first'][0] if run['loss_first'] else None
            deviation = '-'
            if precision == 'fp32' and 'deviation' in entry:
                deviation = ', '.join(
                    f'{k}: {v:.1e}'
                    for k, v in entry['deviation']['max'].items())
            rows.append([
                name, run['precision'],
                str(run['iters']) +
                (' (time limit)' if run.get('stopped_early') else ''),
                _fmt(run['seconds_per_iter'], 3),
                _fmt(run['peak_allocated_mib'],
                     0), f"{_fmt(first, 3)} -> {_fmt(run['loss_last'], 3)}",
                _fmt(acc.get('AP'), 3),
                _fmt(acc.get('AR'), 3),
                _fmt(run['loss_scale'], 0), deviation
            ])
    return lines + _table(header, rows) + ['']


def _full_size(report: dict) -> List[str]:
    n = report['coco_person_images']
    lines = [
        '## Full-size configs: training speed and memory', '',
        'fp32 (PyTorch\'s default TF32 convolutions), per-GPU batch of the '
        'config, on synthetic-coco `standard` scenes at 640x480 (COCO\'s '
        f"size); median of {report['settings']['full_iters']} iterations "
        f"after {report['settings']['full_warmup']} warm-up ones, data "
        'loading included (data wait: the part spent waiting for the '
        'loader). Projected wall time of the schedule on 8 GPUs = '
        f's/iter x epochs x ceil({n} / (8 x per-GPU batch)) / 3600 '
        f'({n}: COCO train2017 images with persons), assuming the measured '
        'per-GPU speed holds under DDP; communication, validation and '
        'checkpoints not included.', ''
    ]
    header = [
        'config', 'per-GPU batch', 's/iter', 'data wait s/iter', 'img/s',
        'peak allocated / reserved MiB', 'epochs', 'iterations (8 GPUs)',
        'projected hours (8 GPUs)'
    ]
    rows = []
    for name, run in report['full_size'].items():
        problem = _problem(run)
        if problem:
            rows.append([name, problem] + [''] * 7)
            continue
        proj = run['projection_8_gpus']
        rows.append([
            name,
            str(run['per_gpu_batch']),
            _fmt(run['seconds_per_iter'], 3),
            _fmt(run['data_seconds_per_iter'], 3),
            _fmt(run['images_per_second'], 1),
            f"{_fmt(run['peak_allocated_mib'], 0)} / "
            f"{_fmt(run['peak_reserved_mib'], 0)}",
            str(proj['epochs']),
            str(proj['iterations']),
            _fmt(proj['hours'], 1)
        ])
    return lines + _table(header, rows) + ['']


def _inference(report: dict) -> List[str]:
    s = report['settings']
    lines = [
        '## Inference latency', '',
        '`model.test_step` on a batch already at the network input size: '
        'normalisation and padding, network, decoding, NMS or grouping, '
        'rescaling; image loading and resizing not included. Random '
        'weights (pretrained initialisation dropped) with the '
        'post-processing load fixed (column "post-processing load"). fp16: '
        f"the fp32 model under autocast. Medians of {s['infer_runs']} runs "
        f"at batch 1 (half as many at larger batches) after "
        f"{s['infer_warmup']} warm-up runs; CUDA synchronised at every "
        'stage boundary.', ''
    ]
    header = [
        'model', 'input (padded)', 'precision', 'batch', 'ms/batch',
        'ms/image', 'network ms', 'post-proc. ms', 'persons', 'peak MiB',
        'published'
    ]
    rows, loads = [], []
    for name, entry in report['inference'].items():
        model = entry.get('model')
        problem = _problem(model)
        if problem:
            rows.append([name, problem] + [''] * 9)
            continue
        loads.append(f"{name}: {model['postprocess_load']}" +
                     (', flip test' if model['flip_test'] else ''))
        size = 'x'.join(map(str, model['input_size']))
        padded = 'x'.join(map(str, model['padded_input']))
        for precision in ('fp32', 'fp16'):
            for batch, run in entry.get(precision, {}).items():
                problem = _problem(run)
                if problem:
                    rows.append([name, size, precision, batch, problem] +
                                [''] * 6)
                    continue
                rows.append([
                    name, f'{size} ({padded})', precision, batch,
                    _fmt(run['ms_per_batch'], 1),
                    _fmt(run['ms_per_image'], 2),
                    _fmt(run['network_ms'], 1),
                    _fmt(run['postprocess_ms'], 1),
                    _fmt(run['persons'], 0),
                    _fmt(run['memory_mib'], 0), model['published'] or '-'
                ])
    lines += _table(header, rows)
    if loads:
        lines += ['', 'Post-processing load: ' + '; '.join(loads) + '.']
    return lines + ['']


def _errors(report: dict) -> List[str]:
    if not report['errors']:
        return []
    return ['## Errors', ''
            ] + [f"- {e['item']}: {e['error']}"
                 for e in report['errors']] + ['']


def format_report(report: dict) -> str:
    """The markdown of a device check report (see
    :class:`~directpose.benchmark.device_check.DeviceCheck`)."""
    lines = _header(report) + _checks(report)
    if report['tiny']:
        lines += _tiny(report)
    if report['full_size']:
        lines += _full_size(report)
    if report['inference']:
        lines += _inference(report)
    return '\n'.join(lines + _errors(report))
