from typing import Optional, Tuple

from mmpose.registry import MODELS
from mmpose.utils.typing import ConfigType, OptConfigType, OptSampleList
from torch import Tensor

from .fcos_pose_head import FCOSPoseHead


@MODELS.register_module()
class DirectPoseHead(FCOSPoseHead):
    """DirectPose: end-to-end multi-person pose estimation with one FCOS-style
    stage (Tian, Chen and Shen, 2019).

    Every location regresses the 2K keypoint coordinates of the person centred
    there, through the keypoint predictor the config names
    (``kpt_predictor``): :class:`KPAlignPredictor` (the paper's, default),
    :class:`ConvRegressionPredictor` (the naive baseline) or
    :class:`DCCPredictor` (RTMO's coordinate classification, with the box
    branch). During training only, an auxiliary keypoint heatmap branch on
    P3 (``heatmap_branch``) adds its loss; it never runs when predicting and
    ``switch_to_deploy`` removes it. The rest (classification, centerness,
    assignment, NMS) is :class:`FCOSPoseHead`.

    Args:
        num_keypoints (int): Number of keypoints K.
        kpt_predictor (dict): Defaults to ungrouped KPAlign.
        heatmap_branch (dict, optional): The auxiliary heatmap branch config
            (``num_keypoints``, ``in_channels`` and ``stride`` filled in), or
            None for none. Defaults to
            :class:`~directpose.models.layers.AuxiliaryHeatmapBranch`.
        **kwargs: See :class:`FCOSPoseHead`.
    """

    def __init__(self,
                 num_keypoints: int,
                 kpt_predictor: ConfigType = dict(type='KPAlignPredictor'),
                 heatmap_branch: OptConfigType = dict(
                     type='AuxiliaryHeatmapBranch'),
                 **kwargs):
        super().__init__(num_keypoints, kpt_predictor, **kwargs)
        self.heatmap_branch = None
        if heatmap_branch is not None:
            self.heatmap_branch = MODELS.build(
                dict(
                    heatmap_branch,
                    num_keypoints=num_keypoints,
                    in_channels=kwargs.get('in_channels', 256),
                    stride=self.strides[0]))

    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: ConfigType = {}) -> dict:
        """The losses of :class:`FCOSPoseHead` plus the auxiliary heatmap
        loss on P3."""
        losses = super().loss(feats, batch_data_samples, train_cfg)
        if self.heatmap_branch is not None:
            gts = [s.gt_instance_labels for s in batch_data_samples]
            losses.update(
                self.heatmap_branch.loss(
                    self.heatmap_branch(feats[0]),
                    [gt.keypoints for gt in gts],
                    [gt.keypoints_visible for gt in gts]))
        return losses

    def switch_to_deploy(self, test_cfg: Optional[dict] = None) -> None:
        """Drop the training-only heatmap branch from the inference model."""
        self.heatmap_branch = None
