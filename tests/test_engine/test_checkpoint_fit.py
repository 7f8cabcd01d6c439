"""check_checkpoint_fits: the rule (1% of the model's values missing,
mismatched or unexpected) and its messages."""
import pytest
import torch
import torch.nn as nn

from directpose.engine import (CheckpointMismatchError, check_checkpoint_fits,
                               compare_state_dicts)


def model():
    # 1000 + 10 weights and biases in a big layer, 2 + 1 in a small one
    return nn.Sequential(nn.Linear(100, 10), nn.Linear(2, 1))


def test_a_checkpoint_of_the_model_fits(tmp_path):
    path = tmp_path / 'same.pth'
    torch.save({'state_dict': model().state_dict()}, path)
    loaded = check_checkpoint_fits(model(), str(path))
    assert set(loaded['state_dict']) == set(model().state_dict())


def test_module_prefix_is_dropped_as_mmengine_does():
    state = {f'module.{k}': v for k, v in model().state_dict().items()}
    fit = compare_state_dicts(model(), state)
    assert fit.fits and not fit.missing and not fit.unexpected


def test_a_small_missing_part_is_below_the_limit():
    state = model().state_dict()
    del state['1.weight'], state['1.bias']  # 3 of 1013 values
    fit = compare_state_dicts(model(), state)
    assert fit.missing == ['1.weight', '1.bias']
    assert fit.unfit_values == 3 and fit.fits


@pytest.mark.parametrize('change, kind', [
    (lambda s: s.pop('0.weight'), 'missing (1): 0.weight'),
    (lambda s: s.update({'0.weight': torch.zeros(10, 99)}),
     'other shape (1): 0.weight (10, 99) in the checkpoint, (10, 100)'),
    (lambda s: s.update({'extra.weight': torch.zeros(20)}),
     'unexpected (1): extra.weight'),
],
                         ids=['missing', 'other shape', 'unexpected'])
def test_a_large_mismatch_is_an_error_naming_file_and_keys(
        tmp_path, change, kind):
    state = model().state_dict()
    change(state)
    path = tmp_path / 'other.pth'
    torch.save({'state_dict': state}, path)
    with pytest.raises(CheckpointMismatchError) as info:
        check_checkpoint_fits(model(), str(path))
    message = str(info.value)
    assert str(path) in message and kind in message
    assert '--allow-partial-load' in message
    with pytest.warns(UserWarning, match='Loaded anyway'):
        check_checkpoint_fits(model(), str(path), allow_partial_load=True)


def test_only_the_first_keys_are_listed():
    fit = compare_state_dicts(nn.Sequential(*[nn.Linear(1, 1)] * 4), {})
    assert 'missing (8): 0.weight, 0.bias, 1.weight, 1.bias, 2.weight, ...' \
        in fit.describe()
