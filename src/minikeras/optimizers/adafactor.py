"""Adafactor: a second moment kept as row and column means for matrices (less memory)."""

import numpy as np

from minikeras.layers.base import Variable
from minikeras.optimizers.base import Optimizer
from minikeras.saving import registry


@registry.register("optimizer", module="keras.optimizers")
class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018, https://arxiv.org/abs/1804.04235), as Keras 3 has it.

    With `t` the update number, `rho = min(lr, 1 / sqrt(t))`, `beta = 1 - t^beta_2_decay` and
    `s = g² + epsilon_1`: a variable of rank >= 2 keeps `r`, the running mean of `s` over its
    last axis, and `c`, over its second last, and `v = (r / mean(r))[..., None] * c[..., None, :]`
    (both running means are `beta * old + (1 - beta) * new`); a smaller one keeps `v` itself as
    that running mean of `s`. Then `u = g / sqrt(v)`, `u /= max(1, rms(u) / clip_threshold)`,
    and `var -= max(epsilon_2, rms(var)) * rho * u`.

    The means and rms are over whole variables: the update runs variable by variable, never over
    `fit`'s packed weights. Keras gives a variable of rank < 2 two unused int32 scalars in the
    place of `r` and `c` (named as the variable, outside the optimizer's path): kept, so that
    `variables` and saved files line up with Keras'.

    Args:
        learning_rate: default 0.001.
        beta_2_decay: the exponent of the second moment's decay schedule (-0.8).
        epsilon_1: added to the squared gradient (1e-30).
        epsilon_2: the smallest rms of a variable that scales its step (1e-3).
        clip_threshold: the rms above which the normalised update is scaled down (1.0).
        relative_step: Keras' flag to take `min(lr, 1 / sqrt(t))` as the rate (True). The
            step's `rho` takes that minimum in any case, so the flag changes nothing (as in
            Keras).
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, variables):
        super().build(variables)
        self._r, self._c, self._v = [], [], []
        for variable in variables:
            shape = tuple(variable.shape)
            if len(shape) < 2:
                for factors in (self._r, self._c):
                    factors.append(self._placeholder(variable))
            else:
                self._r.append(self.add_variable(shape[:-1], dtype=variable.dtype,
                                                 name=variable.name))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], dtype=variable.dtype,
                                                 name=variable.name))
            self._v.append(self.add_variable_from_reference(variable, "velocity"))

    def _placeholder(self, variable):
        placeholder = Variable(np.array(0, "int32"), name=variable.name, path=variable.name,
                               trainable=False)
        self._variables.append(placeholder)
        return placeholder

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, (squared, step) = variable.value, self._scratch[i]
        v = self._v[i].value
        dtype = value.dtype.type
        rho, beta = self._scalars_of_update(self._schedule, learning_rate, dtype)
        one = dtype(1)
        alpha = np.maximum(dtype(self.epsilon_2), _rms(value)) * rho
        np.square(gradient, out=squared)
        squared += dtype(self.epsilon_1)
        if value.ndim >= 2:
            r, c = self._r[i].value, self._c[i].value
            r *= beta
            r += np.mean(squared, axis=-1) * (one - beta)
            c *= beta
            c += np.mean(squared, axis=-2) * (one - beta)
            rows = r / np.mean(r, axis=-1, keepdims=True)
            np.copyto(v, c[..., None, :])  # then one product, buffered less than the outer one
            v *= rows[..., None]
        else:
            v *= beta
            v += np.multiply(squared, one - beta, out=squared)
        np.sqrt(v, out=step)
        np.divide(gradient, step, out=step)
        step /= np.maximum(one, _rms(step) / dtype(self.clip_threshold))
        step *= alpha
        value -= step

    def _schedule(self, step, learning_rate, dtype):
        """`rho` (`min(lr, 1 / sqrt(t))`) and `beta` (`1 - t^beta_2_decay`) of update `t`."""
        step = dtype(step)
        rho = np.minimum(dtype(learning_rate), dtype(1) / np.sqrt(step))
        return rho, dtype(1) - np.power(step, dtype(self.beta_2_decay))

    def get_config(self):
        return {
            **super().get_config(),
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        }


def _rms(array):
    """`sqrt(mean(x²))` in the array's dtype, without a temporary of its size."""
    dtype = array.dtype.type
    return np.sqrt(dtype(np.vdot(array, array)) / dtype(max(array.size, 1)))
