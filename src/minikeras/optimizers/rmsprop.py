"""RMSprop: divide the gradient by a running root mean square of recent gradients."""

import numpy as np

from minikeras.optimizers.base import Optimizer
from minikeras.saving import registry


@registry.register("optimizer", module="keras.optimizers")
class RMSprop(Optimizer):
    """`vel = rho * vel + (1 - rho) g²`, `var -= lr * g / sqrt(vel + epsilon)` (epsilon inside
    the root). `centered` subtracts the squared running mean of g from vel; `momentum` > 0
    accumulates the increments (`mom = momentum * mom + increment; var -= mom`).

    Args:
        learning_rate: default 0.001.
        rho: decay rate of the running mean square (0.9).
        momentum: default 0.0.
        epsilon: default 1e-7.
        centered: normalise by the estimated variance instead of the mean square.
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    _elementwise_update = True

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, variables):
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(variables, "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, (denominator, increment) = variable.value, self._scratch[i]
        velocity = self._velocities[i].value
        dtype = value.dtype.type
        rho, rest = dtype(self.rho), dtype(1 - self.rho)
        velocity *= rho
        velocity += np.multiply(np.square(gradient, out=denominator), rest, out=denominator)
        if self.centered:
            average = self._average_gradients[i].value
            average *= rho
            average += np.multiply(gradient, rest, out=denominator)
            np.subtract(velocity, np.square(average, out=denominator), out=denominator)
            denominator += dtype(self.epsilon)
        else:
            np.add(velocity, dtype(self.epsilon), out=denominator)
        np.sqrt(denominator, out=denominator)
        np.multiply(gradient, dtype(learning_rate), out=increment)
        increment /= denominator
        if self.momentum > 0:
            momentum = self._momentums[i].value
            momentum *= dtype(self.momentum)
            momentum += increment
            value -= momentum
        else:
            value -= increment

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
