"""Models: heads, keypoint predictors, layers (KPAlign, DCC) and losses
(SAHR/WAHR), registered in mmpose's MODELS registry."""
from .data_preprocessors import *  # noqa: F401,F403
from .heads import *  # noqa: F401,F403
from .kpt_predictors import *  # noqa: F401,F403
from .layers import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .pose_estimators import *  # noqa: F401,F403
from .task_modules import *  # noqa: F401,F403
