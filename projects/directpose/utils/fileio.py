"""Writing files so that a reader never sees a half-written one."""
import json
import os
import os.path as osp
import tempfile
from contextlib import contextmanager
from typing import Any, Iterator


@contextmanager
def atomic_open(path: str, mode: str = 'w') -> Iterator:
    """Open a temporary file beside ``path`` and move it onto ``path`` only
    when the ``with`` block ends without an error.

    If the block raises, ``path`` keeps its previous content (or stays
    absent) and the temporary file is removed.

    Args:
        path (str): The final file path.
        mode (str): 'w' (text) or 'wb' (binary).
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        # mkstemp makes the file private (0600); give it open()'s mode
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_json_atomic(obj: Any, path: str, **kwargs) -> None:
    """``json.dump`` into ``path`` atomically (see :func:`atomic_open`).

    The object is serialised completely before the file is touched, so an
    object that cannot be serialised leaves ``path`` as it was.
    """
    text = json.dumps(obj, **kwargs)
    with atomic_open(path, 'w') as f:
        f.write(text)
