"""Muon: momentum orthogonalised by a Newton-Schulz iteration for matrices, AdamW for the rest."""

import re

import numpy as np

from minikeras.optimizers.base import Optimizer
from minikeras.saving import registry


@registry.register("optimizer", module="keras.optimizers")
class Muon(Optimizer):
    """Muon (https://github.com/KellerJordan/Muon; Liu et al., 2025,
    https://arxiv.org/abs/2502.16982), as Keras 3 has it.

    A 2-D variable whose path names no embedding (with `exclude_embeddings`) and matches none of
    the `exclude_layers` patterns takes the Muon step: `m += g + (momentum - 1) m`, the direction
    `g + momentum * m` (Nesterov) or `m`, orthogonalised by `ns_steps` of the quintic
    Newton-Schulz iteration `X = a X + (b A + (c A) A) X` with `A = X Xᵀ` (on the wide
    orientation, from `X / (||X||_F + 1e-7)`), then `var -= lr * O * sqrt(max(rows, cols)) *
    rms_rate` (without the last two factors when `rms_rate` is None). Every other variable
    takes Adam's step (`adam_beta_1`, `adam_beta_2`, `epsilon`) at `lr * adam_lr_ratio`.
    Weight decay is `weight_decay` for the Muon variables and `adam_weight_decay` for the
    others. The update multiplies matrices: it runs variable by variable, never packed.

    Args:
        learning_rate: default 0.001.
        adam_beta_1, adam_beta_2: Adam's decay rates (0.9, 0.999).
        adam_weight_decay: the weight decay of Adam's variables (0.004; None: none).
        epsilon: Adam's epsilon (1e-7).
        weight_decay: the weight decay of Muon's variables (0.004).
        exclude_layers: regular expressions; a variable whose path matches one takes Adam's step.
        exclude_embeddings: variables whose path contains "embedding" take Adam's step (True).
        muon_a, muon_b, muon_c: the iteration's coefficients (3.4445, -4.7750, 2.0315).
        adam_lr_ratio: Adam's rate as a multiple of `learning_rate` (1).
        momentum: the Muon momentum (0.95).
        ns_steps: Newton-Schulz iterations (5).
        nesterov: use Nesterov momentum (True).
        rms_rate: Moonlight's scale of the Muon step (0.2; None: not scaled).
        **kwargs: the arguments every optimizer takes (see `Optimizer`).
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs,
        )
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable):
        """Whether `variable` takes Adam's step: not 2-D, an embedding, or an excluded layer's."""
        if len(variable.shape) != 2:
            return True
        path = getattr(variable, "path", None) or str(variable.name)
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def build(self, variables):
        super().build(variables)
        # Keras' order: each variable's momentum, then its velocity if it takes Adam's step.
        self.momentums, self.adam_velocities = [], []
        for variable in variables:
            self.momentums.append(self.add_variable_from_reference(variable, "momentum"))
            self.adam_velocities.append(
                self.add_variable_from_reference(variable, "velocity")
                if self._should_use_adamw(variable) else None
            )

    def _make_buffers(self):
        """The base buffers, and for each Muon variable three square matrices of its smaller
        side for the iteration's products."""
        super()._make_buffers()
        self._ns_buffers = [
            None if self._should_use_adamw(v)
            else [np.empty((min(v.shape),) * 2, v.value.dtype) for _ in range(3)]
            for v in self._trainable_variables
        ]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_ns_buffers", None)
        return state

    def _apply_weight_decay(self, units, learning_rate):
        for _, _, variable in units:
            if not self._use_weight_decay(variable):
                continue
            adam = self._should_use_adamw(variable)
            decay = self.adam_weight_decay if adam else self.weight_decay
            if decay is None:
                continue
            value = variable.value
            dtype = value.dtype.type
            scratch = self._scratch[self._get_variable_index(variable)][0]
            np.multiply(value, dtype(decay), out=scratch)
            scratch *= dtype(learning_rate)
            value -= scratch

    def update_step(self, gradient, variable, learning_rate):
        i = self._get_variable_index(variable)
        if self.adam_velocities[i] is not None:
            dtype = variable.value.dtype.type
            self._adam_step(gradient, variable, dtype(learning_rate) * dtype(self.adam_lr_ratio), i)
        else:
            self._muon_step(gradient, variable, learning_rate, i)

    def _adam_step(self, gradient, variable, learning_rate, i):
        value, (tmp, denominator) = variable.value, self._scratch[i]
        m, v = self.momentums[i].value, self.adam_velocities[i].value
        dtype = value.dtype.type
        step, one = dtype(self._local_step()), dtype(1)
        alpha = (learning_rate * np.sqrt(one - np.power(dtype(self.adam_beta_2), step))
                 / (one - np.power(dtype(self.adam_beta_1), step)))
        m += np.multiply(np.subtract(gradient, m, out=tmp), dtype(1 - self.adam_beta_1), out=tmp)
        np.square(gradient, out=tmp)
        tmp -= v
        v += np.multiply(tmp, dtype(1 - self.adam_beta_2), out=tmp)
        np.multiply(m, alpha, out=tmp)
        np.sqrt(v, out=denominator)
        denominator += dtype(self.epsilon)
        value -= np.divide(tmp, denominator, out=tmp)

    def _muon_step(self, gradient, variable, learning_rate, i):
        value, (x_buffer, y_buffer) = variable.value, self._scratch[i]
        m = self.momentums[i].value
        dtype = value.dtype.type
        m += np.add(gradient, np.multiply(m, dtype(self.momentum - 1), out=y_buffer),
                    out=y_buffer)
        # The iteration runs on the wide orientation, (small side, large side).
        rows, cols = value.shape
        wide = rows <= cols
        x = x_buffer if wide else x_buffer.reshape(cols, rows)
        direction = x if wide else x.T
        if self.nesterov:
            np.multiply(m, dtype(self.momentum), out=direction)
            direction += gradient
        else:
            np.copyto(direction, m)
        self._newton_schulz(x, y_buffer.reshape(x.shape), self._ns_buffers[i], dtype)
        step = np.multiply(direction, dtype(learning_rate), out=y_buffer)
        if self.rms_rate is not None:
            step *= np.sqrt(dtype(max(rows, cols)))
            step *= dtype(self.rms_rate)
        value -= step

    def _newton_schulz(self, x, product, buffers, dtype):
        """`x` (wide) orthogonalised in place by `ns_steps` quintic iterations."""
        a_matrix, scaled, polynomial = buffers
        a, b, c = dtype(self.muon_a), dtype(self.muon_b), dtype(self.muon_c)
        x /= np.sqrt(dtype(np.vdot(x, x))) + dtype(1e-7)
        for _ in range(self.ns_steps):
            np.matmul(x, x.T, out=a_matrix)
            np.multiply(a_matrix, c, out=scaled)
            np.matmul(scaled, a_matrix, out=polynomial)
            polynomial += np.multiply(a_matrix, b, out=scaled)
            np.matmul(polynomial, x, out=product)
            x *= a
            x += product

    def get_config(self):
        return {
            **super().get_config(),
            "adam_beta_1": self.adam_beta_1,
            "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon,
            "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a,
            "muon_b": self.muon_b,
            "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio,
            "momentum": self.momentum,
            "ns_steps": self.ns_steps,
            "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay,
            "rms_rate": self.rms_rate,
        }
