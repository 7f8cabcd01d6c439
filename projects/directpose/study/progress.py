"""Progress bars for the runner's training and testing loops."""
from typing import IO, Optional

from mmengine.hooks import Hook
from tqdm import tqdm


class ProgressBarHook(Hook):
    """A tqdm bar over the training iterations (with the current loss) and
    one over the test images.

    Not registered: the study adds it to its runners with
    ``runner.register_hook(ProgressBarHook(...))``.

    Args:
        desc (str): Text before the bars, e.g. the method's name.
        file (IO, optional): Where the bars are drawn (default stderr).
    """

    priority = 'VERY_LOW'

    def __init__(self, desc: str, file: Optional[IO] = None):
        self.desc = desc
        self.file = file
        self.bar: Optional[tqdm] = None

    def _open(self, what: str, total: int, initial: int = 0) -> None:
        self.bar = tqdm(
            total=total,
            initial=initial,
            desc=f'{self.desc}: {what}',
            unit='it',
            file=self.file,
            dynamic_ncols=True,
            mininterval=1.0)

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def before_train(self, runner) -> None:
        self._open('train', runner.max_iters, runner.iter)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs: Optional[dict] = None) -> None:
        if outputs and 'loss' in outputs:
            self.bar.set_postfix(
                epoch=runner.epoch + 1,
                loss=f"{float(outputs['loss']):.3g}",
                refresh=False)
        self.bar.update(1)

    def after_train(self, runner) -> None:
        self._close()

    def before_test(self, runner) -> None:
        self._open('test', len(runner.test_dataloader))

    def after_test_iter(self,
                        runner,
                        batch_idx,
                        data_batch=None,
                        outputs=None) -> None:
        self.bar.update(1)

    def after_test(self, runner) -> None:
        self._close()
