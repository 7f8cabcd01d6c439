"""tools/benchmark.py times PyTorch and ONNX Runtime side by side on the
same scenes, and says which models cannot be exported."""
import json
import os.path as osp
import sys

import pytest
import torch
from conftest import TINY_RTMO, load_script

from directpose.benchmark import ONNX_STAGES, STAGES


@pytest.fixture(scope='module')
def tool(repo_root):
    return load_script(repo_root, 'tools/benchmark.py')


def test_backends_side_by_side(tool, repo_root, tmp_path, monkeypatch, capsys):
    out = tmp_path / 'bench.json'
    threads = torch.get_num_threads()
    monkeypatch.setattr(sys, 'argv', [
        'benchmark.py',
        osp.join(repo_root, TINY_RTMO), '--persons', '1', '--runs', '2',
        '--warmup', '0', '--batch-sizes', '2', '--image-size', '96',
        '--backend', 'pytorch', 'onnxruntime', '--threads',
        str(threads), '--out',
        str(out)
    ])
    tool.main()
    printed = capsys.readouterr().out
    assert f'device: cpu ({threads} threads)' in printed
    assert '| persons | pytorch ms | onnxruntime ms | onnxruntime / pytorch |'\
        in printed
    assert '| batch | pytorch img/s | onnxruntime img/s | onnxruntime / ' \
        'pytorch |' in printed
    result = json.loads(out.read_text())
    assert list(result['backends']) == ['pytorch', 'onnxruntime']
    assert result['backends']['pytorch']['stages'] == list(STAGES)
    assert result['backends']['onnxruntime']['stages'] == list(ONNX_STAGES)
    for backend in result['backends'].values():
        assert [e['persons'] for e in backend['breakdown']] == [1]
        for entry in backend['breakdown']:
            assert entry['total']['median'] > 0
            parts = sum(entry[stage]['median'] for stage in backend['stages'])
            assert parts == pytest.approx(entry['total']['median'], rel=0.2)
        assert all(rate > 0 for rate in backend['throughput'].values())


def test_unexportable_model_is_named(tool, repo_root, monkeypatch):
    # a head of mmpose that no exporter takes
    monkeypatch.setattr(sys, 'argv', [
        'benchmark.py',
        osp.join(repo_root, TINY_RTMO), '--backend', 'onnxruntime',
        '--cfg-options', 'model.head.type=YOLOXPoseHead'
    ])
    with pytest.raises(SystemExit, match='YOLOXPoseHead'):
        tool.main()
