"""`LayerNormalization`: standardize each sample over some of its axes."""

import warnings

import numpy as np

from minikeras.layers.base import Layer
from minikeras.layers.normalization.affine import AffineNormalization
from minikeras.layers.normalization.standardization import (
    axes_argument, reduce_to, standardize, standardize_backward,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class LayerNormalization(AffineNormalization):
    """Standardize each sample over `axis` (its mean and variance there), then scale by `gamma`
    and offset by `beta`, which are shaped like those axes.

    Args:
        axis: an int or a list of ints: the axes normalized (and the weights' shape).
        epsilon, center, scale, beta_*/gamma_* initializers, regularizers and constraints:
            see `AffineNormalization`.
        rms_scaling: deprecated by Keras 3 (with its warning): divide by the standard deviation
            without centering, then scale by `gamma` alone (no `beta`).
    """

    def __init__(
        self,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        rms_scaling = bool(kwargs.pop("rms_scaling", False))
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which is deprecated. This argument incorrectly "
                "scales the input by the variance, not the root mean square. To correctly use "
                "RMS Normalization, please use `keras.layers.RMSNormalization` instead.",
                stacklevel=2,
            )
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        self.axis = axes_argument(axis, TypeError(
            "Expected an int or a list/tuple of ints for the argument 'axis', but received: "
            f"{axis!r}"))
        self.rms_scaling = rms_scaling

    def build(self, input_shape):
        # As Keras: from here on `axis` is a sorted list (and so is the config's).
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        self._check_axes(self.axis, input_shape)
        shape = tuple(input_shape[a] for a in self.axis)
        self._add_gamma_and_beta(shape, scale=self.scale or self.rms_scaling,
                                 center=self.center and not self.rms_scaling)

    def forward(self, inputs, training=False):
        axes = tuple(a % inputs.ndim for a in self.axis)
        if self.rms_scaling:
            _, inv, _, _ = standardize(inputs, axes, self.epsilon)
            normalized = inputs * inv
        else:
            normalized, inv, _, _ = standardize(inputs, axes, self.epsilon)
        shape = [inputs.shape[a] if a in axes else 1 for a in range(inputs.ndim)]
        outputs = normalized * self.gamma.value.reshape(shape) if self.gamma is not None \
            else normalized.copy()
        if self.beta is not None:
            outputs += self.beta.value.reshape(shape)
        return outputs, (inputs, normalized, inv, axes, shape)

    def backward(self, ctx, grad, grads):
        inputs, normalized, inv, axes, shape = ctx
        if self.gamma is not None and grads.wants(self.gamma):
            grads.add(self.gamma, reduce_to(grad * normalized, self.gamma.shape, axes))
        if self.beta is not None and grads.wants(self.beta):
            grads.add(self.beta, reduce_to(grad, self.beta.shape, axes))
        if not grads.needs_input:
            return None
        if self.gamma is not None:
            grad = grad * self.gamma.value.reshape(shape)
        if not self.rms_scaling:
            return standardize_backward(grad, normalized, inv, axes)
        # y = x * inv(variance(x)): the variance's share flows through the centered inputs.
        centered = inputs - np.mean(inputs, axis=axes, keepdims=True)
        projection = np.mean(grad * inputs, axis=axes, keepdims=True)
        return grad * inv - inv**3 * projection * centered

    def get_config(self):
        affine = self._affine_config()
        leading = {key: affine.pop(key) for key in ("epsilon", "center", "scale")}
        return {**Layer.get_config(self), "axis": self.axis, **leading,
                "rms_scaling": self.rms_scaling, **affine}
