"""Lion: the sign of an interpolated momentum as the update direction."""

import numpy as np

from minikeras.optimizers.base import Optimizer
from minikeras.saving import registry


@registry.register("optimizer", module="keras.optimizers")
class Lion(Optimizer):
    """`var -= lr * sign(beta_1 * m + (1 - beta_1) g)`, then `m = beta_2 * m + (1 - beta_2) g`.

    Args:
        learning_rate: default 0.001.
        beta_1: interpolation for the update direction, in (0, 1] (0.9).
        beta_2: decay rate of the momentum (0.99).
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    _elementwise_update = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}."
            )

    def build(self, variables):
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, (direction, tmp) = variable.value, self._scratch[i]
        m = self._momentums[i].value
        dtype = value.dtype.type
        one, beta_1, beta_2 = dtype(1), dtype(self.beta_1), dtype(self.beta_2)
        np.multiply(m, beta_1, out=direction)
        direction += np.multiply(gradient, one - beta_1, out=tmp)
        np.sign(direction, out=direction)
        value -= np.multiply(direction, dtype(learning_rate), out=direction)
        m *= beta_2
        m += np.multiply(gradient, one - beta_2, out=tmp)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
