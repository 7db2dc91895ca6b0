"""Lamb: Adam's step, rescaled per variable by the ratio of the weight's norm to the step's."""

import numpy as np

from minikeras.optimizers.base import Optimizer
from minikeras.saving import registry


@registry.register("optimizer", module="keras.optimizers")
class Lamb(Optimizer):
    """Layer-wise adaptive moments (You et al., 2019, https://arxiv.org/abs/1904.00962).

    With `t` the update number: `m += (g - m)(1 - beta_1)`, `v += (g² - v)(1 - beta_2)`,
    `u = (m / (1 - beta_1^t)) / (sqrt(v / (1 - beta_2^t)) + epsilon)`, then
    `var -= ratio * lr * u` with `ratio = ||var|| / ||u||` (1 where either norm is 0).
    The norms are of the whole variable, so the update is not elementwise: it runs variable
    by variable, never over `fit`'s packed weights.

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2: decay rates of m and v (0.9, 0.999).
        epsilon: added to the corrected sqrt(v) (1e-7).
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, (step, denominator) = variable.value, self._scratch[i]
        m, v = self._momentums[i].value, self._velocities[i].value
        dtype = value.dtype.type
        correction_1, correction_2 = self._scalars_of_update(
            self._bias_corrections, learning_rate, dtype)
        m += np.multiply(np.subtract(gradient, m, out=step), dtype(1 - self.beta_1), out=step)
        np.square(gradient, out=step)
        step -= v
        v += np.multiply(step, dtype(1 - self.beta_2), out=step)
        np.divide(v, correction_2, out=denominator)
        np.sqrt(denominator, out=denominator)
        denominator += dtype(self.epsilon)
        np.divide(m, correction_1, out=step)
        step /= denominator
        weight_norm = np.sqrt(dtype(np.vdot(value, value)))
        step_norm = np.sqrt(dtype(np.vdot(step, step)))
        ratio = weight_norm / step_norm if weight_norm > 0 and step_norm > 0 else dtype(1)
        step *= ratio * dtype(learning_rate)
        value -= step

    def _bias_corrections(self, step, learning_rate, dtype):
        """`1 - beta_1^t` and `1 - beta_2^t` of update `t`."""
        step, one = dtype(step), dtype(1)
        return (one - np.power(dtype(self.beta_1), step),
                one - np.power(dtype(self.beta_2), step))

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
