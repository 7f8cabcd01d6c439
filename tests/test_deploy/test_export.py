"""Bad input to the export stops with a message that names it, and a failed
export leaves no half-written file (tools/deploy/export_onnx.py and
directpose.deploy.export_onnx)."""
import os
import os.path as osp

import onnx
import pytest
import torch
from conftest import TINY_RTMO, TINY_SWAHR, load_script, save_initial_weights

from directpose.deploy import ONNX_EXPORTERS, ExportError, export_onnx


@pytest.fixture(scope='module')
def rtmo(tmp_path_factory, repo_root):
    """The tiny RTMO config and a checkpoint of its initial weights."""
    checkpoint = save_initial_weights(
        repo_root, TINY_RTMO,
        tmp_path_factory.mktemp('rtmo') / 'rtmo.pth')
    return osp.join(repo_root, TINY_RTMO), checkpoint


@pytest.fixture(scope='module')
def tool(repo_root):
    return load_script(repo_root, 'tools/deploy/export_onnx.py')


def test_the_heads_with_an_exporter():
    assert {
        'RTMOHead', 'RTMODCCHead', 'AEHigherResolutionHead', 'DirectPoseHead',
        'FCOSPoseHead'
    } <= set(ONNX_EXPORTERS.module_dict)


#: a head of mmpose that no exporter takes
NO_EXPORTER = {'model.head.type': 'YOLOXPoseHead'}


def test_unsupported_head_is_named(rtmo, tmp_path):
    out = tmp_path / 'yolox.onnx'
    with pytest.raises(ExportError) as error:
        # the head is refused before the checkpoint is even read
        export_onnx(
            rtmo[0],
            str(tmp_path / 'no_such.pth'),
            str(out),
            cfg_options=NO_EXPORTER)
    assert "model.head.type='YOLOXPoseHead' has no ONNX exporter" in str(
        error.value)
    assert 'DirectPoseHead' in str(error.value)
    assert not out.exists()


@pytest.mark.parametrize('size', [(100, 100), (128, 0), (128, 96 + 8)])
def test_wrong_input_size_is_named(rtmo, tmp_path, size):
    with pytest.raises(ExportError) as error:
        export_onnx(*rtmo, str(tmp_path / 'x.onnx'), input_size=size)
    assert f'input size {size}' in str(error.value)
    assert 'multiples of 32' in str(error.value)


def test_missing_checkpoint_is_named(rtmo, tmp_path):
    missing = str(tmp_path / 'no_such.pth')
    with pytest.raises(FileNotFoundError, match='no_such.pth'):
        export_onnx(rtmo[0], missing, str(tmp_path / 'x.onnx'))


def test_missing_config_is_named(rtmo, tmp_path):
    with pytest.raises(FileNotFoundError, match='no_such_config.py'):
        export_onnx('configs/no_such_config.py', rtmo[1],
                    str(tmp_path / 'x.onnx'))


def test_settings_the_export_cannot_follow(rtmo, repo_root, tmp_path):
    with pytest.raises(
            ExportError,
            match="opset 9: expected 11 or more for the operators "
            "of RTMOExporter's graph"):
        export_onnx(*rtmo, str(tmp_path / 'x.onnx'), opset=9)
    with pytest.raises(ExportError, match='multiscale_test=True'):
        export_onnx(
            osp.join(repo_root, TINY_SWAHR),
            rtmo[1],
            str(tmp_path / 'x.onnx'),
            cfg_options={'model.test_cfg.multiscale_test': True})
    with pytest.raises(ExportError, match='model.head.decoder.type'):
        export_onnx(
            osp.join(repo_root, TINY_SWAHR),
            rtmo[1],
            str(tmp_path / 'x.onnx'),
            cfg_options={'model.head.decoder.type': 'AssociativeEmbedding'})


def test_failed_export_leaves_the_previous_file(rtmo, tmp_path, monkeypatch):
    out = tmp_path / 'rtmo.onnx'
    out.write_bytes(b'previous export')

    def broken_serialise(self):
        raise MemoryError('out of memory while serialising')

    # the export fails while the file is written
    monkeypatch.setattr(onnx.ModelProto, 'SerializeToString', broken_serialise)
    with pytest.raises(MemoryError):
        export_onnx(*rtmo, str(out))
    assert out.read_bytes() == b'previous export'
    assert os.listdir(tmp_path) == ['rtmo.onnx']  # no temporary file left


def test_failed_trace_writes_no_file(rtmo, tmp_path, monkeypatch):

    def broken_export(*args, **kwargs):
        raise RuntimeError('tracing failed')

    monkeypatch.setattr(torch.onnx, 'export', broken_export)
    with pytest.raises(RuntimeError, match='tracing failed'):
        export_onnx(*rtmo, str(tmp_path / 'rtmo.onnx'))
    assert os.listdir(tmp_path) == []


def test_tool_exports_and_reports_bad_input(tool, rtmo, tmp_path, capsys):
    out = tmp_path / 'rtmo.onnx'
    tool.main([*rtmo, '--out', str(out), '--input-size', '192', '160'])
    assert f'to {out}' in capsys.readouterr().out
    graph = onnx.load(str(out))
    assert [
        d.dim_value for d in graph.graph.input[0].type.tensor_type.shape.dim
    ] == [1, 3, 160, 192]
    with pytest.raises(SystemExit, match='YOLOXPoseHead'):
        tool.main([
            *rtmo, '--out',
            str(tmp_path / 'yolox.onnx'), '--cfg-options',
            'model.head.type=YOLOXPoseHead'
        ])
    with pytest.raises(SystemExit, match='input size'):
        tool.main([*rtmo, '--out', str(out), '--input-size', '100', '90'])
    with pytest.raises(SystemExit, match='missing.pth'):
        tool.main([rtmo[0], str(tmp_path / 'missing.pth'), '--out', str(out)])
