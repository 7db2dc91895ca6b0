"""Schedule-free AdamW: interpolation and averaging in the place of a learning-rate schedule."""

import numpy as np

from minikeras.optimizers.base import Optimizer
from minikeras.saving import registry


@registry.register("optimizer", module="keras.optimizers")
class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW (Defazio et al., 2024, https://arxiv.org/abs/2405.15682).

    The weights are `y`, the point where gradients are taken; the `momentum` slot holds `z`, the
    sequence the Adam-scaled steps move (it starts at the weights), and the average `x` is not
    stored but recovered from `y = (1 - beta_1) z + beta_1 x`. With `t` the update number and
    `w = 1 / t`: `v += (g² - v)(1 - beta_2)`, `z_new = z - lr * g / (sqrt(v / (1 - beta_2^t)) +
    epsilon)`, `x_new = (1 - w) x + w z_new`, `y = (1 - beta_1) z_new + beta_1 x_new`. During the
    first `warmup_steps` updates the rate is `lr * t / warmup_steps`.

    `x` is recovered from the momentum before its step, as on Keras 3's JAX backend; on
    TensorFlow, Keras 3.15 reads the momentum after its step there (docs/compat.md).

    Args:
        learning_rate: default 0.0025.
        beta_1: the interpolation between z and x (0.9).
        beta_2: decay rate of v (0.999).
        epsilon: added to the corrected sqrt(v) (1e-8).
        warmup_steps: updates over which the rate rises linearly to `learning_rate` (0).
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    _elementwise_update = True
    scratch_buffers = 3

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def build(self, variables):
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )
        for momentum, variable in zip(self._momentums, variables):
            np.copyto(momentum.value, variable.value)

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, (tmp, other, z_old) = variable.value, self._scratch[i]
        z, v = self._momentums[i].value, self._velocities[i].value
        dtype = value.dtype.type
        lr, correction, weight = self._scalars_of_update(self._schedule, learning_rate, dtype)
        one, beta_1, beta_2 = dtype(1), dtype(self.beta_1), dtype(self.beta_2)
        np.square(gradient, out=tmp)
        tmp -= v
        v += np.multiply(tmp, one - beta_2, out=tmp)
        np.divide(v, correction, out=other)
        np.sqrt(other, out=other)
        other += dtype(self.epsilon)
        np.copyto(z_old, z)
        np.multiply(gradient, lr, out=tmp)
        z -= np.divide(tmp, other, out=tmp)
        # x_old = (y - (1 - beta_1) z_old) / beta_1
        x = np.multiply(z_old, one - beta_1, out=tmp)
        np.subtract(value, x, out=x)
        x /= beta_1
        # x_new = (1 - w) x_old + w z_new; y = (1 - beta_1) z_new + beta_1 x_new
        x *= one - weight
        x += np.multiply(z, weight, out=other)
        x *= beta_1
        np.add(np.multiply(z, one - beta_1, out=other), x, out=value)

    def _schedule(self, step, learning_rate, dtype):
        """The rate (warmed up), `1 - beta_2^t` and the averaging weight `1 / t` of update t."""
        step, lr = dtype(step), dtype(learning_rate)
        if self.warmup_steps > 0:
            lr = lr * np.minimum(step / dtype(self.warmup_steps), dtype(1))
        return lr, dtype(1) - np.power(dtype(self.beta_2), step), dtype(1) / step

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "warmup_steps": self.warmup_steps,
        }
