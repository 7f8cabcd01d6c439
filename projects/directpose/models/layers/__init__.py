from .aux_heatmap_branch import AuxiliaryHeatmapBranch
from .dcc import DCC
from .kpalign import KPAlign
from .scale_map import ScaleMapBranch

__all__ = ['AuxiliaryHeatmapBranch', 'DCC', 'KPAlign', 'ScaleMapBranch']
