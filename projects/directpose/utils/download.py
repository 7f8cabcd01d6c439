"""Download checkpoints into a local cache: resumable, verified, atomic.

The cache is keyed by URL: ``url`` is stored as
``<cache>/<first 16 hex of sha256(url)>/<file>``, so two URLs that end in
the same file name (``.../A/epoch_2.pth``, ``.../B/epoch_2.pth``) never
share an entry. A download goes to ``<file>.part`` there; an interrupted
one is resumed from it with an HTTP ``Range`` request. The ``.part`` file is
renamed to ``<file>`` only when it is known to be complete: its sha256
matches (the full digest when known, else the prefix that OpenMMLab puts in
the file name, ``name-<first 8 hex of sha256>_<date>.pth``), or its size
is the one the server announced, or, with neither, it loads as a
checkpoint. So the cache never holds a corrupt or partial checkpoint.
"""
import errno
import fcntl
import hashlib
import os
import os.path as osp
import re
import shutil
from contextlib import contextmanager
from http.client import HTTPException
from typing import BinaryIO, Iterator, Optional, Tuple
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlparse
from urllib.request import Request, url2pathname, urlopen

from tqdm import tqdm

CHUNK_SIZE = 1 << 20
#: OpenMMLab's file names: ``<name>-<sha256[:8]>[_<yyyymmdd>].pth``
_HASH_IN_NAME = re.compile(r'-([0-9a-f]{8,64})(?:_\d{8})?\.[A-Za-z0-9]+$')


class DownloadError(RuntimeError):
    """The file could not be fetched completely."""


class CheckpointNotFoundError(FileNotFoundError):
    """The URL (or the model-zoo name) names no file."""


class ChecksumError(ValueError):
    """The downloaded file's sha256 differs from the expected one."""


class NoSpaceError(OSError):
    """The cache directory's disk cannot hold the file."""


def default_cache_dir() -> str:
    """``$DIRECTPOSE_CACHE`` or ``~/.cache/directpose/checkpoints``."""
    return os.environ.get('DIRECTPOSE_CACHE') or osp.expanduser(
        '~/.cache/directpose/checkpoints')


def hash_prefix_from_name(filename: str) -> Optional[str]:
    """The sha256 prefix in an OpenMMLab checkpoint name, e.g. ``8db55a59``
    in ``rtmo-s_8xb32-600e_coco-640x640-8db55a59_20231211.pth``."""
    match = _HASH_IN_NAME.search(osp.basename(filename))
    return match.group(1) if match else None


def sha256sum(path: str) -> str:
    """The hex sha256 digest of a file."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(CHUNK_SIZE), b''):
            digest.update(chunk)
    return digest.hexdigest()


def cached_path(url: str, cache_dir: Optional[str] = None) -> str:
    """Where :func:`download_checkpoint` stores ``url``:
    ``<cache_dir>/<first 16 hex of sha256(url)>/<file name in the URL>``.

    Args:
        url (str): The checkpoint URL.
        cache_dir (str, optional): Defaults to :func:`default_cache_dir`.
    """
    filename = osp.basename(unquote(urlparse(url).path))
    if not filename:
        raise ValueError(f'{url}: the URL names no file')
    return osp.join(
        osp.expanduser(cache_dir or default_cache_dir()),
        hashlib.sha256(url.encode()).hexdigest()[:16], filename)


def download_checkpoint(url: str,
                        cache_dir: Optional[str] = None,
                        sha256: Optional[str] = None,
                        progress: bool = True,
                        timeout: float = 60.0) -> str:
    """Fetch ``url`` (http, https or file) into ``cache_dir`` once.

    Args:
        url (str): The checkpoint URL.
        cache_dir (str, optional): Defaults to :func:`default_cache_dir`.
        sha256 (str, optional): The expected digest (or a prefix of it).
            Defaults to the hash prefix in the file name, if any; a file with
            neither is verified by its announced size, or, without one, by
            loading it as a checkpoint.
        progress (bool): Show a progress bar on stderr.
        timeout (float): Seconds to wait for the server.

    Returns:
        str: The path of the verified file in the cache
        (:func:`cached_path`).

    Raises:
        CheckpointNotFoundError: The URL names no file.
        ChecksumError: The file's sha256 is not the expected one; the
            download is deleted.
        NoSpaceError: The disk cannot hold the file; nothing is left.
        DownloadError: The transfer failed or, without a size and a
            digest, what arrived does not load as a checkpoint; it is kept
            as ``<file>.part`` and the next call resumes it.
    """
    target = cached_path(url, cache_dir)
    folder, filename = osp.split(target)
    expected = (sha256 or hash_prefix_from_name(filename) or '').lower()
    if expected and not re.fullmatch(r'[0-9a-f]{1,64}', expected):
        raise ValueError(f'sha256 {sha256!r} is not a hex digest')
    if osp.isfile(target):
        return target
    os.makedirs(folder, exist_ok=True)
    with _exclusive(osp.join(folder, f'.{filename}.lock')):
        if osp.isfile(target):  # fetched by another process meanwhile
            return target
        part = target + '.part'
        size_checked = _fetch(url, part, progress, timeout)
        digest = sha256sum(part)
        if expected and not digest.startswith(expected):
            os.remove(part)
            raise ChecksumError(
                f'{url}: sha256 {digest} does not match the expected '
                f'{expected}; the download was deleted. Retry; if it fails '
                'again, the file on the server differs from the published '
                'one.')
        if not expected and not size_checked:
            _check_loads(url, part)
        os.replace(part, target)
    return target


def _check_loads(url: str, part: str) -> None:
    """Raise :class:`DownloadError` unless ``part`` (of unknown size and
    digest) loads as a checkpoint, i.e. is complete."""
    # imported here: directpose.engine imports this package
    from directpose.engine.checkpoint import (UnsafeCheckpointError,
                                              load_weights_only)
    try:
        load_weights_only(part, map_location='cpu')
    except UnsafeCheckpointError:
        pass  # complete, only refused: loading it says so and why
    except Exception as exc:
        raise DownloadError(
            f'{url}: the server sent {osp.getsize(part)} bytes without a '
            'Content-Length, no sha256 is known, and they do not load as a '
            f'checkpoint ({exc}): the transfer was probably cut short. The '
            f'partial file {part} is kept and the next run resumes or '
            'restarts it.') from exc


@contextmanager
def _exclusive(lock_path: str) -> Iterator[None]:
    """Hold an exclusive lock so two processes never write one file."""
    with open(lock_path, 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fetch(url: str, part: str, progress: bool, timeout: float) -> bool:
    """Write ``url`` into ``part``, resuming what ``part`` already holds.

    Returns:
        bool: Whether the size was checked against the announced one (False
        when the server announced none).
    """
    offset = osp.getsize(part) if osp.isfile(part) else 0
    stream, start, total = _open(url, offset, timeout)
    with stream:
        if total is not None:
            _check_space(osp.dirname(part), total - start, url)
        try:
            with open(part, 'ab' if start else 'wb') as f, tqdm(
                    total=total,
                    initial=start,
                    unit='B',
                    unit_scale=True,
                    unit_divisor=1024,
                    desc=osp.basename(url),
                    disable=not progress) as bar:
                for chunk in iter(lambda: stream.read(CHUNK_SIZE), b''):
                    f.write(chunk)
                    bar.update(len(chunk))
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise DownloadError(
                    f'{url}: the transfer broke off ({exc}); run again to '
                    'resume it') from exc
            os.remove(part)
            raise NoSpaceError(
                errno.ENOSPC, f'no space left in {osp.dirname(part)} while '
                f'downloading {url}') from exc
        except HTTPException as exc:
            raise DownloadError(
                f'{url}: the transfer broke off ({exc!r}); run again to '
                'resume it') from exc
    size = osp.getsize(part)
    if total is not None and size != total:
        raise DownloadError(
            f'{url}: got {size} of {total} bytes; the partial file {part} '
            'is kept and the next run resumes it')
    return total is not None


def _open(url: str, offset: int,
          timeout: float) -> Tuple[BinaryIO, int, Optional[int]]:
    """Open ``url`` at byte ``offset`` if the server allows it.

    Returns:
        tuple: the stream, the offset it starts at (0 when the server sends
        the whole file) and the full size (``None`` if unknown).
    """
    scheme = urlparse(url).scheme
    if scheme == 'file':
        path = url2pathname(urlparse(url).path)
        if not osp.isfile(path):
            raise CheckpointNotFoundError(f'{url}: no such file')
        f = open(path, 'rb')
        total = osp.getsize(path)
        start = offset if offset <= total else 0
        f.seek(start)
        return f, start, total
    if scheme not in ('http', 'https'):
        raise ValueError(f'{url}: only http, https and file URLs are '
                         'supported')
    headers = {'Range': f'bytes={offset}-'} if offset else {}
    try:
        response = urlopen(Request(url, headers=headers), timeout=timeout)
    except HTTPError as exc:
        if exc.code in (404, 410):
            raise CheckpointNotFoundError(
                f'{url}: not found on the server (HTTP {exc.code})') from exc
        if exc.code == 416 and offset:  # the partial file is not a prefix
            return _open(url, 0, timeout)
        raise DownloadError(f'{url}: HTTP {exc.code} {exc.reason}') from exc
    except (URLError, OSError) as exc:
        raise DownloadError(f'{url}: cannot connect ({exc})') from exc
    length = response.headers.get('Content-Length')
    if response.status == 206:
        match = re.match(r'bytes (\d+)-\d+/(\d+|\*)',
                         response.headers.get('Content-Range', ''))
        if not match or int(match.group(1)) != offset:
            response.close()
            return _open(url, 0, timeout)
        total = int(match.group(2)) if match.group(2) != '*' else None
        return response, offset, total
    return response, 0, int(length) if length is not None else None


def _check_space(folder: str, needed: int, url: str) -> None:
    free = shutil.disk_usage(folder).free
    if needed > free:
        raise NoSpaceError(
            errno.ENOSPC,
            f'{url} needs {needed / 2**20:.1f} MiB but {folder} has '
            f'{free / 2**20:.1f} MiB free; free some space or set '
            'DIRECTPOSE_CACHE to another disk')
