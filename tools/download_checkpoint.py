"""Download a checkpoint by model-zoo name or URL into the checkpoint cache.

    python tools/download_checkpoint.py rtmo-s_8xb32-600e_coco-640x640
    python tools/download_checkpoint.py https://.../file-<sha256[:8]>.pth
    python tools/download_checkpoint.py --list

Prints the path of the verified file ($DIRECTPOSE_CACHE, default
~/.cache/directpose/checkpoints). Interrupted downloads resume on the next
run.
"""
import argparse
import sys

from directpose.apis import load_model_zoo, resolve_checkpoint
from directpose.utils import (CheckpointNotFoundError, ChecksumError,
                              DownloadError, NoSpaceError, sha256sum)


def parse_args():
    parser = argparse.ArgumentParser(
        description='Download a checkpoint into the checkpoint cache')
    parser.add_argument(
        'checkpoint', nargs='?', help='a model-zoo name or a URL')
    parser.add_argument('--cache-dir', help='overrides $DIRECTPOSE_CACHE')
    parser.add_argument(
        '--model-index', help='the model-index.yml that defines the names')
    parser.add_argument(
        '--no-progress', action='store_true', help='no progress bar')
    parser.add_argument(
        '--print-sha256',
        action='store_true',
        help='also print the full sha256 (for the metafile)')
    parser.add_argument(
        '--list', action='store_true', help='list the model-zoo names')
    args = parser.parse_args()
    if not args.list and not args.checkpoint:
        parser.error('give a model-zoo name or a URL (or --list)')
    return args


def main():
    args = parse_args()
    if args.list:
        for name, entry in load_model_zoo(args.model_index).items():
            print(f'{name}\t{entry.weights or "-"}')
        return
    try:
        path = resolve_checkpoint(
            args.checkpoint,
            cache_dir=args.cache_dir,
            index_file=args.model_index,
            progress=not args.no_progress)
    except (CheckpointNotFoundError, ChecksumError, DownloadError,
            NoSpaceError) as exc:
        sys.exit(f'error: {exc}')
    print(path)
    if args.print_sha256:
        print(sha256sum(path))


if __name__ == '__main__':
    main()
