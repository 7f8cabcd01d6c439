"""Keypoint codecs, registered in mmpose's KEYPOINT_CODECS."""
from .multi_resolution_ae import MultiResolutionAssociativeEmbedding

__all__ = ['MultiResolutionAssociativeEmbedding']
