"""Adagrad and Adadelta: per-parameter rates from accumulated squared gradients."""

import numpy as np

from minikeras.optimizers.base import Optimizer
from minikeras.saving import registry


@registry.register("optimizer", module="keras.optimizers")
class Adagrad(Optimizer):
    """`acc += g²`, `var -= lr * g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: default 0.001.
        initial_accumulator_value: the accumulators' starting value (0.1).
        epsilon: default 1e-7.
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    _elementwise_update = True

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, variables):
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initializer=float(self.initial_accumulator_value)
        )

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, (tmp, denominator) = variable.value, self._scratch[i]
        accumulator = self._accumulators[i].value
        dtype = value.dtype.type
        accumulator += np.square(gradient, out=tmp)
        np.add(accumulator, dtype(self.epsilon), out=denominator)
        np.sqrt(denominator, out=denominator)
        np.multiply(gradient, dtype(learning_rate), out=tmp)
        value -= np.divide(tmp, denominator, out=tmp)

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }


@registry.register("optimizer", module="keras.optimizers")
class Adadelta(Optimizer):
    """Adadelta: `acc_g = rho acc_g + (1 - rho) g²`,
    `delta = -sqrt(acc_d + eps) / sqrt(acc_g + eps) * g`, `acc_d = rho acc_d + (1 - rho) delta²`,
    `var += lr * delta`.

    Args:
        learning_rate: default 0.001.
        rho: decay rate of both accumulators (0.95).
        epsilon: default 1e-7.
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    _elementwise_update = True

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, variables):
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            variables, ["accumulated_grad", "accumulated_delta_var"]
        )

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, (delta, tmp) = variable.value, self._scratch[i]
        accumulated_grad = self._accumulated_grads[i].value
        accumulated_delta = self._accumulated_delta_vars[i].value
        dtype = value.dtype.type
        rho, rest, epsilon = dtype(self.rho), dtype(1 - self.rho), dtype(self.epsilon)
        accumulated_grad *= rho
        accumulated_grad += np.multiply(np.square(gradient, out=tmp), rest, out=tmp)
        # delta = -(rms(accumulated_delta) * g / rms(accumulated_grad))
        np.sqrt(np.add(accumulated_delta, epsilon, out=delta), out=delta)
        delta *= gradient
        delta /= np.sqrt(np.add(accumulated_grad, epsilon, out=tmp), out=tmp)
        np.negative(delta, out=delta)
        accumulated_delta *= rho
        accumulated_delta += np.multiply(np.square(delta, out=tmp), rest, out=tmp)
        value += np.multiply(delta, dtype(learning_rate), out=delta)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
