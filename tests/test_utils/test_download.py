"""Checkpoint download against a loopback HTTP server started here (with
Range support) and file:// URLs: cache keyed by URL, progress bar, resume,
sha256 and size checks, clear errors, and never a corrupt or partial file in
the cache."""
import hashlib
import io
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch

from directpose.utils import (CheckpointNotFoundError, ChecksumError,
                              DownloadError, NoSpaceError, default_cache_dir)
from directpose.utils import download as download_module
from directpose.utils import (cached_path, download_checkpoint,
                              hash_prefix_from_name)

PAYLOAD = os.urandom(3 * 2**20 + 12345)  # more than one read chunk
SHA = hashlib.sha256(PAYLOAD).hexdigest()
GOOD = f'/ckpt/model-{SHA[:8]}_20240101.pth'
WRONG = '/ckpt/model-00000000_20240101.pth'
PLAIN = '/ckpt/plain.pth'
# a real checkpoint, served without a Content-Length under a plain name
buffer = io.BytesIO()
torch.save({'state_dict': {'w': torch.arange(50000.)}}, buffer)
CHECKPOINT = buffer.getvalue()
NO_LENGTH = '/ckpt/no-length/epoch_2.pth'


class _Handler(BaseHTTPRequestHandler):

    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        server.log.append((self.path, self.headers.get('Range')))
        body = server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        match = re.match(r'bytes=(\d+)-$', self.headers.get('Range') or '')
        if match and server.ranges:
            start = int(match.group(1))
            if start >= len(body):
                self.send_response(416)
                self.send_header('Content-Range', f'bytes */{len(body)}')
                self.end_headers()
                return
            self.send_response(206)
            self.send_header('Content-Range',
                             f'bytes {start}-{len(body) - 1}/{len(body)}')
        else:
            self.send_response(200)
        if self.path != NO_LENGTH:  # else the connection's end ends it
            self.send_header('Content-Length', str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        cut = server.cut_after.pop(self.path, None)
        self.wfile.write(payload if cut is None else payload[:cut])


@pytest.fixture(scope='module')
def server():
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    httpd.files = {
        GOOD: PAYLOAD,
        WRONG: PAYLOAD,
        PLAIN: PAYLOAD,
        NO_LENGTH: CHECKPOINT
    }
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def http(server):
    """The server's base URL, with a fresh request log and settings."""
    server.log, server.cut_after, server.ranges = [], {}, True
    host, port = server.server_address
    return f'http://{host}:{port}'


def cache_files(cache):
    """What a user would see in the cache (lock files are empty helpers)."""
    return sorted(
        p.name for p in Path(cache).rglob('*')
        if p.is_file() and not p.name.endswith('.lock'))


def part_file(url, cache):
    """Where the download of ``url`` into ``cache`` is kept until done."""
    path = Path(cached_path(url, str(cache)) + '.part')
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_hash_prefix_from_openmmlab_names():
    assert hash_prefix_from_name(
        'rtmo-s_8xb32-600e_coco-640x640-8db55a59_20231211.pth') == '8db55a59'
    assert hash_prefix_from_name('resnet50-0676ba61.pth') == '0676ba61'
    assert hash_prefix_from_name('epoch_10.pth') is None


def test_download_verifies_and_caches(http, server, tmp_path, capfd):
    path = download_checkpoint(http + GOOD, cache_dir=str(tmp_path))
    assert Path(path).read_bytes() == PAYLOAD
    assert cache_files(tmp_path) == [Path(GOOD).name]
    assert '100%' in capfd.readouterr().err  # the progress bar
    # a second call uses the cache
    assert download_checkpoint(http + GOOD, cache_dir=str(tmp_path)) == path
    assert len(server.log) == 1


def test_cache_dir_defaults_to_env(http, tmp_path, monkeypatch):
    monkeypatch.setenv('DIRECTPOSE_CACHE', str(tmp_path / 'cache'))
    assert default_cache_dir() == str(tmp_path / 'cache')
    path = download_checkpoint(http + GOOD, progress=False)
    assert Path(path).parent.parent == tmp_path / 'cache'


def test_not_found_is_a_clear_error(http, tmp_path):
    with pytest.raises(CheckpointNotFoundError, match='HTTP 404'):
        download_checkpoint(http + '/ckpt/absent.pth', str(tmp_path))
    assert cache_files(tmp_path) == []


def test_hash_mismatch_leaves_nothing(http, tmp_path):
    with pytest.raises(ChecksumError, match=SHA):
        download_checkpoint(http + WRONG, str(tmp_path), progress=False)
    assert cache_files(tmp_path) == []


def test_explicit_sha256_is_checked(http, tmp_path):
    with pytest.raises(ChecksumError):
        download_checkpoint(
            http + PLAIN, str(tmp_path), sha256='ab' * 32, progress=False)
    assert cache_files(tmp_path) == []
    path = download_checkpoint(
        http + PLAIN, str(tmp_path), sha256=SHA, progress=False)
    assert Path(path).read_bytes() == PAYLOAD


def test_interrupted_download_resumes(http, server, tmp_path):
    server.cut_after[GOOD] = 1_500_000
    with pytest.raises(DownloadError, match='resume'):
        download_checkpoint(http + GOOD, str(tmp_path), progress=False)
    name = Path(GOOD).name
    assert cache_files(tmp_path) == [name + '.part']  # never the final name
    assert part_file(http + GOOD, tmp_path).stat().st_size == 1_500_000

    path = download_checkpoint(http + GOOD, str(tmp_path), progress=False)
    assert server.log[-1] == (GOOD, 'bytes=1500000-')
    assert Path(path).read_bytes() == PAYLOAD
    assert cache_files(tmp_path) == [name]


def test_corrupt_partial_file_is_discarded(http, tmp_path):
    part_file(http + GOOD, tmp_path).write_bytes(b'x' * 1000)
    with pytest.raises(ChecksumError):
        download_checkpoint(http + GOOD, str(tmp_path), progress=False)
    assert cache_files(tmp_path) == []
    path = download_checkpoint(http + GOOD, str(tmp_path), progress=False)
    assert Path(path).read_bytes() == PAYLOAD


def test_server_without_range_support_restarts(http, server, tmp_path):
    server.ranges = False
    part_file(http + GOOD, tmp_path).write_bytes(PAYLOAD[:5000])
    path = download_checkpoint(http + GOOD, str(tmp_path), progress=False)
    assert Path(path).read_bytes() == PAYLOAD


def test_no_space_is_a_clear_error(http, tmp_path, monkeypatch):

    class Usage:
        free = 1024

    monkeypatch.setattr(download_module.shutil, 'disk_usage',
                        lambda folder: Usage)
    with pytest.raises(NoSpaceError, match='MiB free'):
        download_checkpoint(http + GOOD, str(tmp_path), progress=False)
    assert cache_files(tmp_path) == []


def test_file_urls(tmp_path):
    source = tmp_path / 'src' / Path(GOOD).name
    source.parent.mkdir()
    source.write_bytes(PAYLOAD)
    cache = tmp_path / 'cache'
    part_file(source.as_uri(), cache).write_bytes(PAYLOAD[:777])  # resumed
    path = download_checkpoint(source.as_uri(), str(cache), progress=False)
    assert Path(path).read_bytes() == PAYLOAD
    with pytest.raises(CheckpointNotFoundError):
        download_checkpoint((tmp_path / 'absent.pth').as_uri(), str(cache))


def test_unsupported_scheme(tmp_path):
    with pytest.raises(ValueError, match='only http, https and file'):
        download_checkpoint('ftp://example.org/a.pth', str(tmp_path))


def test_same_file_name_at_two_urls_are_two_entries(tmp_path):
    paths = []
    for folder in ('A', 'B'):
        source = tmp_path / folder / 'epoch_2.pth'
        source.parent.mkdir()
        source.write_bytes(folder.encode() * 1000)
        paths.append(
            download_checkpoint(
                source.as_uri(), str(tmp_path / 'cache'), progress=False))
    assert paths[0] != paths[1]
    assert [Path(p).read_bytes()[:1] for p in paths] == [b'A', b'B']


def test_length_unknown_complete_checkpoint_is_stored(http, tmp_path):
    path = download_checkpoint(http + NO_LENGTH, str(tmp_path), progress=False)
    assert Path(path).read_bytes() == CHECKPOINT
    assert Path(path).name == 'epoch_2.pth'


def test_length_unknown_cut_transfer_is_never_stored(http, server, tmp_path):
    server.cut_after[NO_LENGTH] = len(CHECKPOINT) // 2
    with pytest.raises(DownloadError, match='without a Content-Length'):
        download_checkpoint(http + NO_LENGTH, str(tmp_path), progress=False)
    assert cache_files(tmp_path) == ['epoch_2.pth.part']
    # the next run resumes it (206 with the full size) and completes it
    path = download_checkpoint(http + NO_LENGTH, str(tmp_path), progress=False)
    assert server.log[-1][1] == f'bytes={len(CHECKPOINT) // 2}-'
    assert Path(path).read_bytes() == CHECKPOINT
