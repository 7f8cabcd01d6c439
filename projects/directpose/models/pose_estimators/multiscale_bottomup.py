"""A bottom-up pose estimator whose multi-scale test works end to end."""
from typing import List, Optional, Union

from mmpose.models.pose_estimators import BottomupPoseEstimator
from mmpose.registry import MODELS
from mmpose.utils.typing import OptSampleList
from torch import Tensor


@MODELS.register_module()
class MultiScaleBottomupPoseEstimator(BottomupPoseEstimator):
    """:class:`BottomupPoseEstimator` that hands image pyramids to
    ``predict``.

    mmpose's ``predict`` takes the list of (B, C, H, W) batches of a
    ``multiscale_test`` (from :class:`MultiScalePoseDataPreprocessor`), but
    its ``forward`` first stacks any list of inputs into one tensor, which
    fails for images of different sizes. Here a list goes to ``predict`` as
    it is when ``test_cfg['multiscale_test']`` is set; everything else is
    :class:`BottomupPoseEstimator`.
    """

    def forward(self,
                inputs: Union[Tensor, List[Tensor]],
                data_samples: OptSampleList = None,
                mode: str = 'tensor') -> Optional[Union[dict, list]]:
        if not (mode == 'predict' and isinstance(inputs, list)
                and self.test_cfg.get('multiscale_test', False)):
            return super().forward(inputs, data_samples, mode)
        if self.metainfo is not None:
            for data_sample in data_samples:
                data_sample.set_metainfo(self.metainfo)
        return self.predict(inputs, data_samples)
