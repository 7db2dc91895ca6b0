"""`keras.mixed_precision`: the global dtype policy under its Keras 2 names, and the loss-scale
optimizer. minikeras runs a mixed policy in float32 (see `minikeras.dtype_policies`)."""

from minikeras.dtype_policies import DTypePolicy, dtype_policy, set_dtype_policy
from minikeras.optimizers.loss_scale_optimizer import LossScaleOptimizer

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy"]
