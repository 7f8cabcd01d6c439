"""Where inference time goes: a per-stage breakdown against the number of
persons, and throughput at several batch sizes (``tools/benchmark.py``)."""
from typing import IO, Optional, Sequence

from tqdm import tqdm

from .speed import SpeedMeter, describe_device
from .timing import STAGES


def benchmark(meter: SpeedMeter,
              persons: Sequence[int] = (1, 5, 10, 20, 40),
              image_size: int = 256,
              preset: str = 'standard',
              warmup: int = 3,
              runs: int = 20,
              batch_sizes: Sequence[int] = (1, 8),
              throughput_persons: int = 5,
              progress: Optional[IO] = None) -> dict:
    """Time ``meter``'s model on synthetic scenes.

    Returns:
        dict: ``device``; ``breakdown``: per person count, the
        :meth:`SpeedMeter.time` summaries (ms per stage, ``total``,
        ``instances``); ``throughput``: images per second per batch size,
        or the error that batch size raised.
    """
    total = (warmup + runs) * len(persons) + (2 + 10) * len(batch_sizes)
    with tqdm(
            total=total,
            desc='benchmark',
            file=progress,
            dynamic_ncols=True,
            mininterval=1.0) as bar:
        breakdown = []
        for num in persons:
            batch = meter.scene(num, image_size, preset)
            breakdown.append(
                dict(
                    persons=num,
                    **meter.time([batch], warmup, runs, bar.update)))
        throughput = {}
        for size in batch_sizes:
            batch = meter.scene(throughput_persons, image_size, preset, size)
            try:
                throughput[size] = meter.throughput(batch, 2, 10, bar.update)
            except Exception as error:  # e.g. a head that predicts one image
                throughput[size] = f'{type(error).__name__}: {error}'
    return dict(
        device=describe_device(meter.device),
        input_shape=list(batch['inputs'][0].shape),
        breakdown=breakdown,
        throughput=throughput,
        throughput_persons=throughput_persons)


def format_benchmark(result: dict) -> str:
    """The benchmark as a markdown table plus a throughput line."""
    header = ['persons', *STAGES, 'total', 'post-proc. share', 'detected']
    lines = [
        f"device: {result['device']}; times in ms, medians",
        '| ' + ' | '.join(header) + ' |',
        '|' + '|'.join(['---:'] * len(header)) + '|'
    ]
    for entry in result['breakdown']:
        total = entry['total']['median']
        post = entry['postprocess']['median']
        cells = [str(entry['persons'])]
        cells += [f"{entry[stage]['median']:.1f}" for stage in STAGES]
        cells += [
            f'{total:.1f}', f'{100 * post / max(total, 1e-9):.0f}%',
            f"{entry['instances']['median']:.0f}"
        ]
        lines.append('| ' + ' | '.join(cells) + ' |')
    rates = ', '.join(
        f'batch {size}: ' +
        (f'{rate:.1f} img/s' if isinstance(rate, float) else rate)
        for size, rate in result['throughput'].items())
    lines.append(f"throughput ({result['throughput_persons']} persons per "
                 f'image): {rates}')
    return '\n'.join(lines)
