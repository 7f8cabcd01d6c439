"""Download checkpoints into a local cache: resumable, verified, atomic.

A download goes to ``<cache>/<file>.part``; an interrupted one is resumed
from there with an HTTP ``Range`` request. Only a file whose sha256 matches
(the full digest when known, else the prefix that OpenMMLab puts in the file
name, ``name-<first 8 hex of sha256>_<date>.pth``) is renamed to
``<cache>/<file>``, so the cache never holds a corrupt checkpoint.
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
            neither is stored unverified.
        progress (bool): Show a progress bar on stderr.
        timeout (float): Seconds to wait for the server.

    Returns:
        str: The path of the verified file in the cache.

    Raises:
        CheckpointNotFoundError: The URL names no file.
        ChecksumError: The file's sha256 is not the expected one; the
            download is deleted.
        NoSpaceError: The disk cannot hold the file; nothing is left.
        DownloadError: The transfer failed; what arrived is kept as
            ``<file>.part`` and the next call resumes it.
    """
    filename = osp.basename(unquote(urlparse(url).path))
    if not filename:
        raise ValueError(f'{url}: the URL names no file')
    expected = (sha256 or hash_prefix_from_name(filename) or '').lower()
    if expected and not re.fullmatch(r'[0-9a-f]{1,64}', expected):
        raise ValueError(f'sha256 {sha256!r} is not a hex digest')
    cache_dir = osp.expanduser(cache_dir or default_cache_dir())
    target = osp.join(cache_dir, filename)
    if osp.isfile(target):
        return target
    os.makedirs(cache_dir, exist_ok=True)
    with _exclusive(osp.join(cache_dir, f'.{filename}.lock')):
        if osp.isfile(target):  # fetched by another process meanwhile
            return target
        part = target + '.part'
        _fetch(url, part, progress, timeout)
        digest = sha256sum(part)
        if expected and not digest.startswith(expected):
            os.remove(part)
            raise ChecksumError(
                f'{url}: sha256 {digest} does not match the expected '
                f'{expected}; the download was deleted. Retry; if it fails '
                'again, the file on the server differs from the published '
                'one.')
        os.replace(part, target)
    return target


@contextmanager
def _exclusive(lock_path: str) -> Iterator[None]:
    """Hold an exclusive lock so two processes never write one file."""
    with open(lock_path, 'a') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fetch(url: str, part: str, progress: bool, timeout: float) -> None:
    """Write ``url`` into ``part``, resuming what ``part`` already holds."""
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
