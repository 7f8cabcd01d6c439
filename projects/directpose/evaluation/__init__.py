"""Evaluation: leaderboard results files and their validation, and keypoint
results evaluated offline (COCO and CrowdPose modes)."""
from .keypoint_results import (COCO_STAT_NAMES, CROWDPOSE_STAT_NAMES,
                               annotations_as_results,
                               evaluate_keypoint_results, results_to_samples)
from .submission import (KEYPOINT_MAX_DETS, SubmissionError, keep_top_scored,
                         load_image_ids, results_file_name, validate_results,
                         write_results_file, write_submission,
                         zip_results_file)

__all__ = [
    'COCO_STAT_NAMES', 'CROWDPOSE_STAT_NAMES', 'KEYPOINT_MAX_DETS',
    'SubmissionError', 'annotations_as_results', 'evaluate_keypoint_results',
    'keep_top_scored', 'load_image_ids', 'results_file_name',
    'results_to_samples', 'validate_results', 'write_results_file',
    'write_submission', 'zip_results_file'
]
