from .download import (CheckpointNotFoundError, ChecksumError, DownloadError,
                       NoSpaceError, cached_path, default_cache_dir,
                       download_checkpoint, hash_prefix_from_name, sha256sum)
from .fileio import atomic_open, write_json_atomic

__all__ = [
    'CheckpointNotFoundError', 'ChecksumError', 'DownloadError',
    'NoSpaceError', 'atomic_open', 'cached_path', 'default_cache_dir',
    'download_checkpoint', 'hash_prefix_from_name', 'sha256sum',
    'write_json_atomic'
]
