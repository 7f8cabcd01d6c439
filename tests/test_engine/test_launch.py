"""exit_if_distributed: how the tools end a distributed process."""
import subprocess
import sys

import pytest

SCRIPT = r"""
import atexit, logging, sys
import torch
import torch.distributed as torch_dist
from directpose.engine import exit_if_distributed

if sys.argv[1] == 'group':
    torch_dist.init_process_group(
        'gloo', init_method='file://' + sys.argv[2], rank=0, world_size=1)
    value = torch.ones(2)
    torch_dist.all_reduce(value)  # the group works
atexit.register(print, 'interpreter exit')
logging.basicConfig(stream=sys.stdout, level=logging.INFO)
logging.getLogger('run').info('logged before')
print('printed before', end='')  # no newline: still in the buffer
exit_if_distributed()
print('\nreturned')
"""


@pytest.mark.parametrize('group', [True, False])
def test_exit_if_distributed_ends_a_distributed_process_at_once(
        group, tmp_path):
    proc = subprocess.run([
        sys.executable, '-c', SCRIPT, 'group' if group else 'none',
        str(tmp_path / 'store')
    ],
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # what was logged and printed before is flushed, not lost
    assert 'logged before' in proc.stdout
    assert 'printed before' in proc.stdout
    if group:
        # the process ends there: nothing after it, not even the
        # interpreter's exit handlers (nor the C++ destructors)
        assert 'returned' not in proc.stdout
        assert 'interpreter exit' not in proc.stdout
    else:  # nothing distributed: it returns, the process ends as usual
        assert 'returned' in proc.stdout
        assert 'interpreter exit' in proc.stdout
