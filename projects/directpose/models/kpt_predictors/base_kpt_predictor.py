from abc import ABCMeta, abstractmethod
from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from mmengine.model import BaseModule, normal_init
from mmpose.utils.typing import ConfigType, OptConfigType
from torch import Tensor


class BaseKeypointPredictor(BaseModule, metaclass=ABCMeta):
    """How a one-stage pose head (:class:`FCOSPoseHead`) predicts the
    keypoints of the person at each location.

    A predictor owns the keypoint tower on the FPN levels (``tower``, built
    by each subclass) and everything after it:

    * :meth:`forward`: per-level outputs (e.g. keypoint offsets, or pose
      vectors) and the tower features (the head's centerness branch reads
      them);
    * :meth:`loss`: the keypoint loss of the positive locations;
    * :meth:`decode`: keypoints in input pixels of candidate locations;
    * :meth:`mirror`: its outputs on a mirrored image mapped back, for the
      flip test (not every predictor can).

    The head fills in the arguments below; a config names the predictor and
    its own options, e.g. ``kpt_predictor=dict(type='KPAlignPredictor',
    groups='coco')``.

    Args:
        num_keypoints (int): Number of keypoints K.
        in_channels (int): Channels of the FPN levels.
        feat_channels (int): Width of the head's towers.
        stacked_convs (int): Convolutions in the keypoint tower.
        strides (Sequence[int]): The FPN strides.
        norm_cfg (dict): Norm of the tower.
        init_cfg (dict, optional): Initialisation config. Convolutions that
            no sub-module initialises get N(0, 0.01), as FCOS.
    """

    #: whether :meth:`loss` and :meth:`decode` need the predicted boxes
    needs_boxes = False

    def __init__(self,
                 num_keypoints: int,
                 in_channels: int,
                 feat_channels: int,
                 stacked_convs: int,
                 strides: Sequence[int],
                 norm_cfg: ConfigType,
                 init_cfg: OptConfigType = None):
        super().__init__(init_cfg=init_cfg)
        self.num_keypoints = num_keypoints
        self.in_channels = in_channels
        self.feat_channels = feat_channels
        self.stacked_convs = stacked_convs
        self.strides = list(strides)
        self.norm_cfg = norm_cfg

    @property
    def out_channels(self) -> int:
        """Channels of the tower features that :meth:`forward` returns."""
        return self.tower[-1].conv.out_channels

    @abstractmethod
    def forward(self, feats: Sequence[Tensor],
                points: Sequence[Tensor]) -> Tuple[List[Tensor], List[Tensor]]:
        """Keypoint outputs and tower features of every level.

        Args:
            feats (Sequence[Tensor]): FPN levels, each (B, C, H_l, W_l).
            points (Sequence[Tensor]): Their locations (x, y) in input
                pixels, each (H_l * W_l, 2), row-major.

        Returns:
            tuple[list[Tensor], list[Tensor]]: Per level, the outputs
            (B, *D, H_l, W_l) (D is the predictor's output shape at a
            location) and the tower features (B, out_channels, H_l, W_l).
        """

    @abstractmethod
    def loss(self, preds: Tensor, targets: Dict[str, Tensor], points: Tensor,
             strides: Tensor, boxes: Optional[Tensor]) -> Dict[str, Tensor]:
        """The keypoint loss of the P positive locations.

        Args:
            preds (Tensor): Their outputs, (P, *D).
            targets (dict): Their rows of :meth:`FCOSPoseHead.get_targets`:
                ``keypoints`` (P, K, 2) in input pixels, ``kpt_weights``
                (P, K), ``centerness`` (P, ), ``areas`` (P, ).
            points (Tensor): Their locations, (P, 2).
            strides (Tensor): Their strides, (P, ).
            boxes (Tensor, optional): Their predicted boxes (P, 4), with the
                head's box branch.

        Returns:
            dict[str, Tensor]: Named scalar losses.
        """

    @abstractmethod
    def decode(self, preds: Tensor, points: Tensor, strides: Tensor,
               boxes: Optional[Tensor]) -> Tensor:
        """Keypoints (n, K, 2) in input pixels of n candidate locations.
        Args: as in :meth:`loss` (``preds`` (n, *D))."""

    def mirror(self, outputs: List[Tensor],
               flip_indices: Sequence[int]) -> List[Tensor]:
        """The per-level outputs of a horizontally mirrored image, mapped to
        the unmirrored image's locations and keypoints (the flip test)."""
        raise NotImplementedError(
            f'{type(self).__name__} has no flip test: its outputs of a '
            'mirrored image cannot be mapped back; set flip_test=False')

    def init_weights(self) -> None:
        super().init_weights()
        for m in self.own_convs():
            normal_init(m, std=0.01)

    def own_convs(self) -> List[nn.Conv2d]:
        """The convolutions this predictor initialises (its tower's and
        those of its direct outputs)."""
        return [m for m in self.tower.modules() if isinstance(m, nn.Conv2d)]
