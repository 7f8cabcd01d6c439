"""The figure's joints and the COCO and CrowdPose keypoint schemes."""
from dataclasses import dataclass
from typing import Dict, Tuple

COCO_KEYPOINTS = ('nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
                  'left_shoulder', 'right_shoulder', 'left_elbow',
                  'right_elbow', 'left_wrist', 'right_wrist', 'left_hip',
                  'right_hip', 'left_knee', 'right_knee', 'left_ankle',
                  'right_ankle')

# Every point the figure model computes: the 17 COCO keypoints first, then
# the two extra CrowdPose keypoints, then construction points.
JOINTS = COCO_KEYPOINTS + ('head_top', 'neck', 'head_center', 'chin',
                           'shoulder_center', 'pelvis', 'left_hand',
                           'right_hand', 'left_toe', 'right_toe')
JOINT_IDS: Dict[str, int] = {name: i for i, name in enumerate(JOINTS)}


@dataclass(frozen=True)
class KeypointScheme:
    """A keypoint annotation scheme.

    Args:
        name (str): ``'coco'`` or ``'crowdpose'``.
        keypoints (tuple[str]): Keypoint names, in annotation order.
        joints (tuple[str]): The figure joint of each keypoint.
        skeleton (tuple[tuple[int, int]]): Links, 1-based as in COCO.
        face (tuple[str]): Joints drawn on the face, unlabelled when the
            person is seen from the back.
    """

    name: str
    keypoints: Tuple[str, ...]
    joints: Tuple[str, ...]
    skeleton: Tuple[Tuple[int, int], ...]
    face: Tuple[str, ...] = ('nose', 'left_eye', 'right_eye')

    @property
    def joint_ids(self) -> Tuple[int, ...]:
        """Indices into :data:`JOINTS` of the keypoints."""
        return tuple(JOINT_IDS[name] for name in self.joints)

    def category(self) -> dict:
        """The ``categories`` entry of an annotation file."""
        return dict(
            id=1,
            name='person',
            supercategory='person',
            keypoints=list(self.keypoints),
            skeleton=[list(link) for link in self.skeleton])


COCO_SCHEME = KeypointScheme(
    name='coco',
    keypoints=COCO_KEYPOINTS,
    joints=COCO_KEYPOINTS,
    skeleton=((16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12),
              (7, 13), (6, 7), (6, 8), (7, 9), (8, 10), (9, 11), (2, 3),
              (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7)))

# Limbs of mmpose's crowdpose.py (left_shoulder = 1, head = 13, neck = 14)
CROWDPOSE_SKELETON = ((11, 9), (9, 7), (12, 10), (10, 8), (7, 8), (1, 7),
                      (2, 8), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (13, 14),
                      (2, 14), (1, 14))
CROWDPOSE_SCHEME = KeypointScheme(
    name='crowdpose',
    keypoints=COCO_KEYPOINTS[5:] + ('head', 'neck'),
    joints=COCO_KEYPOINTS[5:] + ('head_top', 'neck'),
    skeleton=CROWDPOSE_SKELETON)

SCHEMES: Dict[str, KeypointScheme] = {
    scheme.name: scheme
    for scheme in (COCO_SCHEME, CROWDPOSE_SCHEME)
}
