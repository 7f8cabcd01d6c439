from .fcos_assigner import FCOSAssigner
from .pose_candidate_selector import PoseCandidateSelector

__all__ = ['FCOSAssigner', 'PoseCandidateSelector']
