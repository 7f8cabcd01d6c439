# This project's modules, registered in MMPose's registries: inherited by
# ./default_runtime.py and by the configs that start from MMPose's own
# (configs/rtmo/rtmo-{s,m,l}_*.py).
custom_imports = dict(imports=['directpose'], allow_failed_imports=False)
