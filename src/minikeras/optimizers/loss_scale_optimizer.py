"""`LossScaleOptimizer`: dynamic loss scaling around another optimizer, as mixed precision uses.

The loss is multiplied by a scale before differentiation (`scale_loss`), and the gradients are
divided by it before the inner optimizer's update. A step whose gradients are not all finite
is skipped and halves the scale; after `dynamic_growth_steps` finite steps in a row, the scale
doubles. minikeras computes a mixed policy in float32, where a power-of-two scale changes no
gradient's bits (barring overflow), so this is Keras' bookkeeping and state: the same
variables, config and files, and the same skipped steps on non-finite gradients.
"""

import numpy as np

from minikeras.optimizers.base import Optimizer
from minikeras.saving import registry

# The arguments of every optimizer, which belong to the inner one here, with their defaults.
_INNER_ONLY = {
    "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
    "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
    "loss_scale_factor": None, "gradient_accumulation_steps": None,
}


# tf_keras writes its dynamic loss-scale optimizer as "LossScaleOptimizerV3".
@registry.register("optimizer", "LossScaleOptimizerV3", module="keras.optimizers")
class LossScaleOptimizer(Optimizer):
    """Dynamic loss scaling around `inner_optimizer`.

    Args:
        inner_optimizer: the optimizer that makes the updates.
        initial_scale: the first loss scale (default 2**15).
        dynamic_growth_steps: the finite steps after which the scale doubles (default 2000).
        name: default `"loss_scale_optimizer"`, made unique.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                "`loss_scale_factor` directly on the `inner_optimizer`."
            )
        for argument, default in _INNER_ONLY.items():
            if argument in kwargs and kwargs.pop(argument) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{argument}`. Instead, set "
                    f"`{argument}` on the `inner_optimizer`."
                )
        if kwargs:
            raise ValueError(
                f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`."
            )
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError(
                "`inner_optimizer` must be an optimizer (a `keras.optimizers.Optimizer`). "
                f"Received: inner_optimizer={inner_optimizer}"
            )
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        inner_optimizer.loss_scale_factor = None

    def build(self, variables):
        variables = list(variables)
        self.step_counter = self.add_variable((), 0, dtype="int64", name="step_counter")
        self.dynamic_scale = self.add_variable(
            (), self.initial_scale, dtype="float32", name="dynamic_scale"
        )
        self.inner_optimizer.build(variables)
        self._trainable_variables = variables
        self._trainable_variables_indices = {id(v): i for i, v in enumerate(variables)}
        self.built = True

    @property
    def variables(self):
        return self._variables[:] + self.inner_optimizer.variables

    def set_weights(self, weights):
        own = len(self._variables)
        super().set_weights(weights[:own])
        self.inner_optimizer.set_weights(weights[own:])

    def _keras2_variables(self):
        return super()._keras2_variables() + self.inner_optimizer._keras2_variables()

    def _from_keras2_variables(self, arrays):
        """`variables` but this optimizer's learning rate, from a legacy `.h5` file's arrays:
        minikeras' (`_keras2_variables`), or tf_keras', which stores the inner optimizer's
        alone (no scale: it starts afresh)."""
        own = super()._keras2_variables()
        inner_optimizer = self.inner_optimizer
        if len(arrays) == len(own) + len(inner_optimizer._keras2_variables()):
            head, arrays = list(arrays[: len(own)]), arrays[len(own):]
        else:
            head = [np.int64(0), np.int64(0), np.float32(self.initial_scale)]
        inner = list(inner_optimizer._from_keras2_variables(arrays))
        rate = inner_optimizer._learning_rate
        if any(v is rate for v in inner_optimizer.variables):
            inner.insert(1, rate.numpy())  # Keras 3's order: iteration, learning rate, slots
        return [*head, *inner]

    # The inner optimizer's learning rate, iterations and averages.
    learning_rate = property(
        lambda self: self.inner_optimizer.learning_rate,
        lambda self, value: setattr(self.inner_optimizer, "learning_rate", value),
    )
    lr = learning_rate
    iterations = property(lambda self: self.inner_optimizer.iterations)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def _fit_gradient_buffers(self, variables):
        if not self.built:
            self.build(variables)
        return self.inner_optimizer._fit_gradient_buffers(variables)

    # ------------------------------------------------------------------------------------------
    # Scaling

    @property
    def _scale(self):
        return self.dynamic_scale.value[()] if self.built else np.float32(self.initial_scale)

    def scale_loss(self, loss):
        """`loss` times the current loss scale."""
        return loss * self._scale

    def apply(self, grads, trainable_variables=None):
        """The inner optimizer's update by the unscaled `grads` if they are all finite, else no
        update and half the scale; the scale doubles after `dynamic_growth_steps` good steps."""
        if trainable_variables is None:
            trainable_variables = self._trainable_variables
        elif not self.built:
            self.build(trainable_variables)
        grads = list(grads)
        if not all(np.isfinite(g).all() for g in grads if g is not None):
            self.step_counter.assign(0)
            self.dynamic_scale.assign(self.dynamic_scale.value * np.float32(0.5))
            return
        self.inner_optimizer.apply(self.get_unscaled_gradients(grads), trainable_variables)
        if self.step_counter.value == self.dynamic_growth_steps - 1:
            self.step_counter.assign(0)
            self.dynamic_scale.assign(self.dynamic_scale.value * np.float32(2))
        else:
            self.step_counter.assign(self.step_counter.value + 1)

    # Keras 2 (tf_keras) spellings.
    get_scaled_loss = scale_loss
    loss_scale = property(lambda self: self.dynamic_scale if self.built else self.initial_scale)
    dynamic = True

    def get_unscaled_gradients(self, grads):
        return [g if g is None else np.divide(g, self._scale) for g in grads]

    # ------------------------------------------------------------------------------------------
    # Config

    def get_config(self):
        return {
            "name": self.name,
            "inner_optimizer": registry.serialize(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from minikeras import optimizers

        config = dict(config)
        inner = config.pop("inner_optimizer")
        inner = optimizers.deserialize(inner, custom_objects) if isinstance(inner, dict) \
            else optimizers.get(inner)
        config.pop("is_legacy_optimizer", None)  # tf_keras
        return cls(inner, **config)

