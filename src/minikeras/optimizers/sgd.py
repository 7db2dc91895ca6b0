"""Stochastic gradient descent, with optional (Nesterov) momentum."""

import numpy as np

from minikeras.optimizers.base import Optimizer
from minikeras.saving import registry


@registry.register("optimizer", module="keras.optimizers")
class SGD(Optimizer):
    """`var -= lr * g`; with momentum `m = momentum * m - lr * g; var += m`, and with
    `nesterov=True` `var += momentum * m - lr * g`.

    Args:
        learning_rate: default 0.01.
        momentum: a float in [0, 1]; 0 means plain gradient descent (and no slots).
        nesterov: use Nesterov momentum.
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    _elementwise_update = True

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = nesterov

    @property
    def scratch_buffers(self):
        return 2 if self.nesterov else 1

    def build(self, variables):
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def _from_keras2_variables(self, arrays):
        # tf_keras' SGD keeps a slot `m` per variable even without momentum (the last step,
        # which plain descent never reads again); Keras 3's keeps none.
        plain_descent_slots = self.momentum == 0 and self.built and (
            len(arrays) == 1 + len(self._trainable_variables))
        return arrays[:1] if plain_descent_slots else arrays

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, scratch = variable.value, self._scratch[i]
        dtype = value.dtype.type
        step = np.multiply(gradient, dtype(learning_rate), out=scratch[0])
        if self.momentum == 0:
            value -= step
            return
        momentum, m = dtype(self.momentum), self.momentums[i].value
        m *= momentum
        m -= step
        if self.nesterov:
            look_ahead = np.multiply(m, momentum, out=scratch[1])
            look_ahead -= step
            value += look_ahead
        else:
            value += m

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
