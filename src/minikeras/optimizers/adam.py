"""The Adam family: Adam, AdamW (Adam with decoupled weight decay), Adamax and Nadam."""

import numpy as np

from minikeras import backend
from minikeras.optimizers.base import Optimizer
from minikeras.saving import registry


@registry.register("optimizer", module="keras.optimizers")
class Adam(Optimizer):
    """Adam: moving averages of the gradient (m) and of its square (v), bias-corrected.

    With `t` the update number: `m += (g - m)(1 - beta_1)`, `v += (g² - v)(1 - beta_2)`,
    `var -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)`.

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2: decay rates of m and v (0.9, 0.999).
        epsilon: added to sqrt(v) (1e-7).
        amsgrad: divide by the running maximum of v instead (AMSGrad).
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    _elementwise_update = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, variables):
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, (tmp, denominator) = variable.value, self._scratch[i]
        m, v = self._momentums[i].value, self._velocities[i].value
        dtype = value.dtype.type
        alpha = self._scalars_of_update(self._bias_corrected_rate, learning_rate, dtype)
        m += np.multiply(np.subtract(gradient, m, out=tmp), dtype(1 - self.beta_1), out=tmp)
        tmp = np.square(gradient, out=tmp)
        tmp -= v
        v += np.multiply(tmp, dtype(1 - self.beta_2), out=tmp)
        if self.amsgrad:
            v = np.maximum(self._velocity_hats[i].value, v, out=self._velocity_hats[i].value)
        np.multiply(m, alpha, out=tmp)
        np.sqrt(v, out=denominator)
        denominator += dtype(self.epsilon)
        value -= np.divide(tmp, denominator, out=tmp)

    def _bias_corrected_rate(self, step, learning_rate, dtype):
        """`lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)`, the step size of update `t`."""
        step, one = dtype(step), dtype(1)
        return (
            dtype(learning_rate) * np.sqrt(one - np.power(dtype(self.beta_2), step))
            / (one - np.power(dtype(self.beta_1), step))
        )

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


@registry.register("optimizer", module="keras.optimizers")
class AdamW(Adam):
    """Adam with decoupled weight decay: `var -= var * weight_decay * lr` before each update.

    Args:
        learning_rate: default 0.001.
        weight_decay: default 0.004 (must be a float).
        beta_1, beta_2, epsilon, amsgrad: as in `Adam`.
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-7, amsgrad=False, **kwargs):
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            amsgrad=amsgrad, weight_decay=weight_decay, **kwargs,
        )
        if self.weight_decay is None:
            raise ValueError(
                "Argument `weight_decay` must be a float. Received: weight_decay=None"
            )


@registry.register("optimizer", module="keras.optimizers")
class Adamax(Optimizer):
    """Adamax, Adam under the infinity norm: `m += (g - m)(1 - beta_1)`,
    `u = max(beta_2 * u, |g|)`, `var -= lr * m / ((1 - beta_1^t) * (u + epsilon))`.

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2: decay rates of m and u (0.9, 0.999).
        epsilon: added to u (1e-7).
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    _elementwise_update = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, (tmp, denominator) = variable.value, self._scratch[i]
        m, u = self._m[i].value, self._u[i].value
        dtype = value.dtype.type
        correction = self._scalars_of_update(self._bias_correction, learning_rate, dtype)
        m += np.multiply(np.subtract(gradient, m, out=tmp), dtype(1 - self.beta_1), out=tmp)
        u *= dtype(self.beta_2)
        np.maximum(u, np.abs(gradient, out=tmp), out=u)
        np.multiply(m, dtype(learning_rate), out=tmp)
        np.add(u, dtype(self.epsilon), out=denominator)
        denominator *= correction
        value -= np.divide(tmp, denominator, out=tmp)

    def _bias_correction(self, step, learning_rate, dtype):
        """`1 - beta_1^t` of update `t`."""
        return dtype(1) - np.power(dtype(self.beta_1), dtype(step))

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }


@registry.register("optimizer", module="keras.optimizers")
class Nadam(Optimizer):
    """Nadam, Adam with Nesterov momentum, with Keras' momentum schedule
    `u_t = beta_1 * (1 - 0.5 * 0.96^t)` and its running product (one extra scalar variable).

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2: decay rates of m and v (0.9, 0.999).
        epsilon: added to sqrt(v_hat) (1e-7).
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    _elementwise_update = True

    # Keras 2's Nadam `decay` was its momentum-schedule decay, not a learning-rate decay.
    _legacy_decay_is_learning_rate_decay = False

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        dtype = variables[0].dtype if variables else None
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"]
        )
        # Keras creates this one unnamed, so it is auto-named like a layer: "variable",
        # "variable_1", ... It comes after the slots in `variables`.
        self._u_product = self.add_variable(
            (), initializer="ones", dtype=dtype, name=backend.unique_name("variable")
        )

    @staticmethod
    def _schedule_factor(step, dtype):
        """`1 - 0.5 * 0.96^step`: the momentum schedule is `beta_1` times this."""
        return dtype(1) - dtype(0.5) * np.power(dtype(0.96), dtype(step))

    def _momentum_schedule(self, step, learning_rate, dtype):
        """`u_t`, `u_{t+1}` and `beta_2^t` of update `t`."""
        beta_1 = dtype(self.beta_1)
        return (beta_1 * self._schedule_factor(step, dtype),
                beta_1 * self._schedule_factor(step + 1, dtype),
                np.power(dtype(self.beta_2), dtype(step)))

    def _update_variables(self, units, learning_rate):
        # The running product of the schedule, once per update, before the variables.
        product = self._u_product.value
        dtype = product.dtype.type
        factor = self._schedule_factor(self._local_step(), dtype)
        product[...] = product * dtype(self.beta_1) * factor
        super()._update_variables(units, learning_rate)

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        value, (tmp, tmp2) = variable.value, self._scratch[i]
        m, v = self._momentums[i].value, self._velocities[i].value
        dtype = value.dtype.type
        one, beta_1, beta_2 = dtype(1), dtype(self.beta_1), dtype(self.beta_2)
        u_t, u_t_1, beta_2_power = self._scalars_of_update(self._momentum_schedule,
                                                           learning_rate, dtype)
        u_product_t = dtype(self._u_product.value)
        u_product_t_1 = u_product_t * u_t_1
        m += np.multiply(np.subtract(gradient, m, out=tmp), one - beta_1, out=tmp)
        tmp = np.square(gradient, out=tmp)
        tmp -= v
        v += np.multiply(tmp, one - beta_2, out=tmp)
        # m_hat = u_{t+1} m / (1 - prod_{t+1}) + (1 - u_t) g / (1 - prod_t)
        m_hat = np.multiply(m, u_t_1, out=tmp)
        m_hat /= one - u_product_t_1
        correction = np.multiply(gradient, one - u_t, out=tmp2)
        m_hat += np.divide(correction, one - u_product_t, out=correction)
        # v_hat = v / (1 - beta_2^t)
        denominator = np.divide(v, one - beta_2_power, out=tmp2)
        np.sqrt(denominator, out=denominator)
        denominator += dtype(self.epsilon)
        m_hat *= dtype(learning_rate)
        value -= np.divide(m_hat, denominator, out=m_hat)

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
