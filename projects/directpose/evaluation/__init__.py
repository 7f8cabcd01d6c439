"""Evaluation: leaderboard results files and their validation, keypoint
results evaluated offline (COCO and CrowdPose modes), AP on subsets of a
validation set and recall at an OKS threshold."""
from .keypoint_results import (COCO_STAT_NAMES, CROWDPOSE_STAT_NAMES,
                               annotations_as_results,
                               evaluate_keypoint_results, results_to_samples)
from .submission import (KEYPOINT_MAX_DETS, SubmissionError, keep_top_scored,
                         load_image_ids, results_file_name, validate_results,
                         write_results_file, write_submission,
                         zip_results_file)
from .subset_ap import (SUBSET_KINDS, Subset, persons_per_image, recall_at_oks,
                        run_cocoeval, subset_ap, subset_size,
                        subsets_from_edges)

__all__ = [
    'COCO_STAT_NAMES', 'CROWDPOSE_STAT_NAMES', 'KEYPOINT_MAX_DETS',
    'SUBSET_KINDS', 'SubmissionError', 'Subset', 'annotations_as_results',
    'evaluate_keypoint_results', 'keep_top_scored', 'load_image_ids',
    'persons_per_image', 'recall_at_oks', 'results_file_name',
    'results_to_samples', 'run_cocoeval', 'subset_ap', 'subset_size',
    'subsets_from_edges', 'validate_results', 'write_results_file',
    'write_submission', 'zip_results_file'
]
