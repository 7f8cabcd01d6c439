"""Where inference time goes: a per-stage breakdown against the number of
persons, and throughput at several batch sizes, for one or more backends
side by side (``tools/benchmark.py``)."""
from typing import IO, Dict, List, Optional, Sequence

from tqdm import tqdm

from .speed import SpeedMeter, describe_device


def benchmark(meters: Dict[str, SpeedMeter],
              persons: Sequence[int] = (1, 5, 10, 20, 40),
              image_size: int = 256,
              preset: str = 'standard',
              warmup: int = 3,
              runs: int = 20,
              batch_sizes: Sequence[int] = (1, 8),
              throughput_persons: int = 5,
              progress: Optional[IO] = None) -> dict:
    """Time the models of ``meters`` on the same synthetic scenes.

    The backends take turns on each scene and batch size, so that a
    machine whose load changes during the run slows them alike.

    Args:
        meters (dict[str, SpeedMeter]): The meter of each backend, e.g.
            ``{'pytorch': ..., 'onnxruntime': ...}``, in report order.

    Returns:
        dict: ``device``; ``input_shape``; ``throughput_persons``;
        ``backends``: per backend, ``stages`` (the stage names),
        ``breakdown`` (per person count, the :meth:`SpeedMeter.time`
        summaries: ms per stage, ``total``, ``instances``) and
        ``throughput`` (images per second per batch size, or the error that
        batch size raised).
    """
    series = (warmup + runs) * len(persons) + (2 + 10) * len(batch_sizes)
    results = {
        name: dict(stages=list(meter.stages), breakdown=[], throughput={})
        for name, meter in meters.items()
    }
    with tqdm(
            total=series * len(meters),
            desc='benchmark',
            file=progress,
            dynamic_ncols=True,
            mininterval=1.0) as bar:
        for num in persons:
            for name, meter in meters.items():
                batch = meter.scene(num, image_size, preset)
                results[name]['breakdown'].append(
                    dict(
                        persons=num,
                        **meter.time([batch], warmup, runs, bar.update)))
        for size in batch_sizes:
            for name, meter in meters.items():
                batch = meter.scene(throughput_persons, image_size, preset,
                                    size)
                try:
                    rate = meter.throughput(batch, 2, 10, bar.update)
                except Exception as error:  # a head that predicts one image
                    rate = f'{type(error).__name__}: {error}'
                results[name]['throughput'][size] = rate
    first = next(iter(meters.values()))
    return dict(
        device=describe_device(first.device),
        input_shape=list(batch['inputs'][0].shape),
        throughput_persons=throughput_persons,
        backends=results)


def _rate(rate) -> str:
    return f'{rate:.1f} img/s' if isinstance(rate, float) else rate


def _breakdown_table(name: str, result: dict) -> List[str]:
    stages = result['stages']
    header = ['persons', *stages, 'total', 'post-proc. share', 'detected']
    lines = [
        f'{name}:', '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join(['---:'] * len(header)) + '|'
    ]
    for entry in result['breakdown']:
        total = entry['total']['median']
        post = entry['postprocess']['median']
        cells = [str(entry['persons'])]
        cells += [f"{entry[stage]['median']:.1f}" for stage in stages]
        cells += [
            f'{total:.1f}', f'{100 * post / max(total, 1e-9):.0f}%',
            f"{entry['instances']['median']:.0f}"
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    rates = ', '.join(f'batch {size}: {_rate(rate)}'
                      for size, rate in result['throughput'].items())
    lines.append(f'throughput: {rates}')
    return lines


def _side_by_side(result: dict) -> List[str]:
    """Latency per person count and throughput per batch size, a column per
    backend and the ratio of each backend to the first."""
    names = list(result['backends'])
    first = result['backends'][names[0]]
    others = names[1:]
    header = [
        'persons', *[f'{n} ms' for n in names],
        *[f'{n} / {names[0]}' for n in others]
    ]
    lines = [
        f'latency per image (batch 1), ms, medians; ratio < 1: faster than '
        f'{names[0]}', '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join(['---:'] * len(header)) + '|'
    ]
    for i, entry in enumerate(first['breakdown']):
        totals = [
            result['backends'][n]['breakdown'][i]['total']['median']
            for n in names
        ]
        cells = [str(entry['persons'])] + [f'{t:.1f}' for t in totals]
        cells += [f'{t / max(totals[0], 1e-9):.2f}' for t in totals[1:]]
        lines.append('| ' + ' | '.join(cells) + ' |')
    header = [
        'batch', *[f'{n} img/s' for n in names],
        *[f'{n} / {names[0]}' for n in others]
    ]
    lines += [
        f'throughput ({result["throughput_persons"]} persons per image), '
        f'images per second; ratio > 1: faster than {names[0]}',
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join(['---:'] * len(header)) + '|'
    ]
    for size, rate in first['throughput'].items():
        rates = [result['backends'][n]['throughput'][size] for n in names]
        cells = [str(size)] + [
            f'{r:.1f}' if isinstance(r, float) else 'failed' for r in rates
        ]
        cells += [
            f'{r / rate:.2f}'
            if isinstance(r, float) and isinstance(rate, float) else '-'
            for r in rates[1:]
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    return lines


def format_benchmark(result: dict) -> str:
    """The benchmark as markdown tables: a stage breakdown and throughput
    per backend, then, with several backends, their totals side by side."""
    lines = [f"device: {result['device']}; times in ms, medians"]
    for name, backend in result['backends'].items():
        lines += _breakdown_table(name, backend) + ['']
    if len(result['backends']) > 1:
        lines += _side_by_side(result)
    else:
        lines.append(f"throughput with {result['throughput_persons']} "
                     'persons per image')
    return '\n'.join(lines).rstrip() + '\n'
