"""FTRL-Proximal ("Follow The Regularized Leader"), with L1, L2 and L2-shrinkage terms."""

import numpy as np

from minikeras.optimizers.base import Optimizer
from minikeras.saving import registry


@registry.register("optimizer", module="keras.optimizers")
class Ftrl(Optimizer):
    """FTRL-Proximal, per coordinate, with p = -learning_rate_power:

        new_acc = acc + g²
        linear += g + 2 l2_shrinkage var - (new_acc^p - acc^p) / lr * var
        var = (clip(linear, -l1, l1) - linear) / (new_acc^p / lr + 2 (l2 + beta / (2 lr)))

    Args:
        learning_rate: default 0.001.
        learning_rate_power: <= 0 (-0.5).
        initial_accumulator_value: >= 0 (0.1).
        l1_regularization_strength, l2_regularization_strength,
        l2_shrinkage_regularization_strength: >= 0 (0.0).
        beta: default 0.0.
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    scratch_buffers = 3

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        for argument, value, sign in [
            ("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
            ("learning_rate_power", learning_rate_power, "negative or zero"),
            ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
            ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
             "positive or zero"),
        ]:
            if (value > 0.0) if sign == "negative or zero" else (value < 0.0):
                raise ValueError(
                    f"`{argument}` needs to be {sign}. Received: {argument}={value}."
                )
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, variables):
        super().build(variables)
        self._accumulators, self._linears = self.add_optimizer_variables(
            variables,
            ["accumulator", "linear"],
            initializer=[float(self.initial_accumulator_value), "zeros"],
        )

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, (tmp, new_power, old_power) = variable.value, self._scratch[i]
        accumulator, linear = self._accumulators[i].value, self._linears[i].value
        dtype = value.dtype.type
        lr, power = dtype(learning_rate), dtype(-self.learning_rate_power)
        l2 = dtype(self.l2_regularization_strength) + dtype(self.beta) / (dtype(2.0) * lr)
        l1 = self.l1_regularization_strength
        new_accumulator = np.add(accumulator, np.square(gradient, out=tmp), out=tmp)
        np.power(new_accumulator, power, out=new_power)
        np.power(accumulator, power, out=old_power)
        np.copyto(accumulator, new_accumulator)
        # linear += (g + 2 * l2_shrinkage * var) - (new_acc^p - acc^p) / lr * var
        correction = np.subtract(new_power, old_power, out=old_power)
        correction /= lr
        correction *= value
        shrunk = np.multiply(value, dtype(2 * self.l2_shrinkage_regularization_strength), out=tmp)
        shrunk += gradient
        shrunk -= correction
        linear += shrunk
        quadratic = np.divide(new_power, lr, out=new_power)
        quadratic += dtype(2) * l2
        np.clip(linear, -l1, l1, out=tmp)
        tmp -= linear
        np.divide(tmp, quadratic, out=value)

    def get_config(self):
        return {
            **super().get_config(),
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        }
