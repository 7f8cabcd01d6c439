"""The images a demo is given: an image file or a folder of images, checked
up front so that bad input is named instead of failing deep in a loader."""
import os
import os.path as osp
from typing import List

import mmcv

#: file extensions read as images in a folder
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def image_files(path: str) -> List[str]:
    """The image files ``path`` names: itself, or the images in a folder.

    Args:
        path (str): An image file or a folder of image files.

    Returns:
        list[str]: ``[path]`` for an image file; a folder's image files
        (by extension, sorted by name).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: ``path`` is an empty file, a file that is not an image,
            or a folder without image files; the message names it.
    """
    if osp.isdir(path):
        found = sorted(
            osp.join(path, name) for name in os.listdir(path)
            if name.lower().endswith(IMAGE_EXTENSIONS)
            and osp.isfile(osp.join(path, name)))
        if not found:
            raise ValueError(f'{path} is a folder without image files '
                             f"({', '.join(IMAGE_EXTENSIONS)})")
        return found
    if not osp.isfile(path):
        raise FileNotFoundError(f'image {path} not found')
    if osp.getsize(path) == 0:
        raise ValueError(f'image {path} is an empty file (0 bytes)')
    with open(path, 'rb') as f:
        if mmcv.imfrombytes(f.read()) is None:
            raise ValueError(f'{path} is not an image file that can be '
                             'decoded (JPEG, PNG, BMP, TIFF, WebP)')
    return [path]
