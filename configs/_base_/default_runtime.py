# MMPose's runtime, plus this project's modules and checkpoint safety.
_base_ = ['mmpose::_base_/default_runtime.py', './custom_imports.py']
from directpose.utils.config import project_hooks  # noqa: E402

custom_hooks = [dict(type='SyncBuffersHook'), *project_hooks()]
