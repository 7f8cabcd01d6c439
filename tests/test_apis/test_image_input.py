"""image_files: an image, or a folder of images, checked before any model
is built; bad input is named."""
import cv2
import numpy as np
import pytest

from directpose.apis import image_files


@pytest.fixture
def image(tmp_path):
    path = tmp_path / 'person.png'
    cv2.imwrite(str(path), np.zeros((8, 8, 3), np.uint8))
    return str(path)


def test_an_image_file_is_itself(image):
    assert image_files(image) == [image]


def test_a_folder_gives_its_images_sorted(tmp_path, image):
    second = tmp_path / 'a.JPG'
    second.write_bytes(b'x')  # by extension: not decoded here
    (tmp_path / 'notes.txt').write_text('not an image')
    assert image_files(str(tmp_path)) == [str(second), image]


@pytest.mark.parametrize(
    'make, error, message', [
        (lambda p: p.mkdir(), ValueError, 'is a folder without image files'),
        (lambda p: p.write_text('hello'), ValueError,
         'is not an image file that can be decoded'),
        (lambda p: p.write_bytes(b''), ValueError, 'is an empty file'),
        (lambda p: None, FileNotFoundError, 'not found'),
    ],
    ids=['empty folder', 'text file', 'empty file', 'missing'])
def test_bad_input_is_named(tmp_path, make, error, message):
    path = tmp_path / 'input.jpg'
    make(path)
    with pytest.raises(error, match=message) as info:
        image_files(str(path))
    assert str(path) in str(info.value)
