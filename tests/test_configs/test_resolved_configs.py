"""Every config in configs/ (studies included, bases excluded) resolves to
exactly the dict recorded in resolved_configs.json, so that reorganising the
configs (shared bases, variables, edited inherited pipelines) provably changes
no resolved config.

A deliberate change of what a config resolves to (a new config, a new value)
updates the record, to be reviewed in its diff:

    PYTHONPATH=projects python tests/test_configs/test_resolved_configs.py \\
        --update
"""
import glob
import json
import os.path as osp
import sys

import pytest
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RECORD = osp.join(osp.dirname(osp.abspath(__file__)), 'resolved_configs.json')
UPDATE = ('PYTHONPATH=projects python '
          'tests/test_configs/test_resolved_configs.py --update')
CONFIGS = sorted(
    osp.relpath(p, REPO) for p in glob.glob(
        osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


def resolve(path):
    """The config's resolved dict in a canonical form: tuples as lists,
    anything else JSON lacks as its str()."""
    cfg = Config.fromfile(osp.join(REPO, path)).to_dict()
    return json.loads(json.dumps(cfg, sort_keys=True, default=str))


def differences(old, new, where=''):
    """The dotted keys (list indices in brackets) where two resolved dicts
    differ."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            yield from differences(
                old.get(key, '<missing>'), new.get(key, '<missing>'),
                f'{where}.{key}' if where else key)
    elif isinstance(old, list) and isinstance(new, list) \
            and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new)):
            yield from differences(a, b, f'{where}[{i}]')
    elif old != new:
        yield f'{where}: {old!r} -> {new!r}'


@pytest.fixture(scope='module')
def record():
    with open(RECORD) as f:
        return json.load(f)


def test_the_record_lists_every_config(record):
    unrecorded = sorted(set(CONFIGS) - set(record))
    gone = sorted(set(record) - set(CONFIGS))
    assert not unrecorded and not gone, (
        f'configs not in {osp.relpath(RECORD, REPO)}: {unrecorded}; recorded '
        f'but gone: {gone}. If that is deliberate, update it with {UPDATE}')


@pytest.mark.parametrize('path', CONFIGS)
def test_config_resolves_as_recorded(path, record):
    if path not in record:
        pytest.fail(f'{path} is not recorded: {UPDATE}')
    changed = list(differences(record[path], resolve(path)))
    assert not changed, (
        f'{path} now resolves differently:\n' + '\n'.join(changed[:20]) +
        f'\nIf that is deliberate, update the record with {UPDATE}')


if __name__ == '__main__':
    if sys.argv[1:] != ['--update']:
        sys.exit(__doc__)
    resolved = {path: resolve(path) for path in CONFIGS}
    with open(RECORD, 'w') as f:
        json.dump(resolved, f, indent=1, sort_keys=True)
        f.write('\n')
    print(f'recorded {len(CONFIGS)} configs in {RECORD}')
