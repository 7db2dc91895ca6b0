"""`BatchNormalization`: standardize each feature over the batch, with moving statistics for
inference."""

import numpy as np

from minikeras import backend, initializers
from minikeras.layers.base import Layer
from minikeras.layers.normalization.affine import AffineNormalization
from minikeras.layers.normalization.standardization import (
    reduce_to, standardize, standardize_backward,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class BatchNormalization(AffineNormalization):
    """Standardize the inputs' features (along `axis`) with the batch's mean and variance in
    training, and with moving averages of them at inference, then scale by `gamma` and offset
    by `beta`.

    In training (`training=True` on a trainable layer) each call standardizes with the batch's
    statistics and moves `moving_mean`/`moving_variance` (non-trainable weights) once:
    `moving = moving * momentum + batch * (1 - momentum)`. At inference, and whenever the layer
    is frozen (`trainable=False`), as in Keras 3, the moving statistics are used and stay put.

    Args:
        axis: the feature axis (an int; Keras 2's one-entry list is accepted).
        momentum: of the moving averages.
        epsilon, center, scale, beta_*/gamma_* initializers, regularizers and constraints:
            see `AffineNormalization`.
        moving_mean_initializer, moving_variance_initializer: of the moving statistics.
        synchronized: Keras' cross-replica statistics; one process is one replica here.
        renorm, renorm_clipping, renorm_momentum: batch renormalization (not supported: only
            `renorm=False` is accepted). Keras 2's `fused` is accepted and has no effect;
            `virtual_batch_size` and `adjustment` only as None.

    Call arguments:
        mask: per-step booleans, shaped like the inputs without their last axis: only the
            True steps count towards the batch's statistics.
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        renorm=False,
        renorm_clipping=None,
        renorm_momentum=0.99,
        synchronized=False,
        **kwargs,
    ):
        _refuse_keras2_only_options(kwargs)
        if renorm:
            raise ValueError(
                "minikeras' BatchNormalization does not support batch renormalization: "
                f"expected renorm=False. Received: renorm={renorm}"
            )
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        self.axis = _single_axis(axis)
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = bool(synchronized)
        self.renorm = False
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        self._check_axes([self.axis], input_shape)
        shape = (input_shape[self.axis],)
        self._add_gamma_and_beta(shape)
        self.moving_mean = self.add_weight(
            shape=shape, initializer=self.moving_mean_initializer, trainable=False,
            name="moving_mean",
        )
        self.moving_variance = self.add_weight(
            shape=shape, initializer=self.moving_variance_initializer, trainable=False,
            name="moving_variance",
        )

    def _conform_input(self, x):
        expected = self._build_input_shape
        if expected is not None and x.ndim != len(expected):
            raise self._incompatible(
                f"expected ndim={len(expected)}, found ndim={x.ndim}. Full shape received: "
                f"{x.shape}", x)
        if x.shape[self.axis] != self.moving_mean.shape[0]:
            raise self._incompatible(
                f"expected axis {self.axis} of input shape to have value "
                f"{self.moving_mean.shape[0]}, but received input with shape {x.shape}", x)
        return x

    def forward(self, inputs, training=None, mask=None):
        if mask is not None and np.ndim(mask) != inputs.ndim - 1:
            raise ValueError(
                "The mask provided should be one dimension less than the inputs. Received: "
                f"mask.shape={np.shape(mask)}, inputs.shape={inputs.shape}"
            )
        axes = self._reduction_axes(inputs.ndim)
        if not (training and self.trainable):
            return self._infer(inputs, axes)
        if mask is None:
            normalized, inv, mean, variance = standardize(inputs, axes, self.epsilon)
            weights = None
        else:
            weights = np.expand_dims(np.asarray(mask), -1).astype(inputs.dtype)
            normalized, inv, mean, variance = _masked_standardize(
                inputs, weights, axes, self.epsilon)
        self._move_statistics(mean.reshape(-1), variance.reshape(-1))
        return self._scale_and_offset(normalized, axes), ("batch", normalized, inv, axes,
                                                          weights)

    def _infer(self, inputs, axes):
        shape = _broadcast_shape(inputs.ndim, self.axis, self.moving_mean.shape[0])
        inv = 1.0 / np.sqrt(self.moving_variance.value + inputs.dtype.type(self.epsilon))
        inv = inv.reshape(shape)
        normalized = (inputs - self.moving_mean.value.reshape(shape)) * inv
        return self._scale_and_offset(normalized, axes), ("moving", normalized, inv, axes, None)

    def _scale_and_offset(self, normalized, axes):
        shape = _broadcast_shape(normalized.ndim, self.axis, normalized.shape[self.axis])
        outputs = normalized * self.gamma.value.reshape(shape) if self.gamma is not None \
            else normalized.copy()
        if self.beta is not None:
            outputs += self.beta.value.reshape(shape)
        return outputs

    def _move_statistics(self, mean, variance):
        momentum = self.momentum
        for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            moving.value[...] = moving.value * momentum + batch * (1.0 - momentum)

    def backward(self, ctx, grad, grads):
        statistics, normalized, inv, axes, weights = ctx
        feature_axis = self.axis % grad.ndim
        if self.gamma is not None and grads.wants(self.gamma):
            grads.add(self.gamma, reduce_to(grad * normalized, self.gamma.shape, [feature_axis]))
        if self.beta is not None and grads.wants(self.beta):
            grads.add(self.beta, reduce_to(grad, self.beta.shape, [feature_axis]))
        if not grads.needs_input:
            return None
        if self.gamma is not None:
            grad = grad * self.gamma.value.reshape(inv.shape)
        if statistics == "moving":
            return grad * inv
        if weights is None:
            return standardize_backward(grad, normalized, inv, axes)
        return _masked_standardize_backward(grad, normalized, inv, axes, weights)

    def _reduction_axes(self, ndim):
        return tuple(a for a in range(ndim) if a != self.axis % ndim)

    def get_config(self):
        affine = self._affine_config()
        leading = {key: affine.pop(key) for key in
                   ("epsilon", "center", "scale", "beta_initializer", "gamma_initializer")}
        return {
            **Layer.get_config(self),
            "axis": self.axis,
            "momentum": self.momentum,
            **leading,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            **affine,
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }


def _refuse_keras2_only_options(kwargs):
    """Keras 2's BatchNormalization options: `fused` only chose a kernel; the others change
    the computation, which minikeras does not do."""
    kwargs.pop("fused", None)
    for name in ("virtual_batch_size", "adjustment"):
        value = kwargs.pop(name, None)
        if value is not None:
            raise ValueError(
                f"minikeras' BatchNormalization does not support Keras 2's `{name}`: expected "
                f"{name}=None. Received: {name}={value}"
            )


def _single_axis(axis):
    if isinstance(axis, (list, tuple)):  # Keras 2 configs write the axis as a list
        if len(axis) != 1:
            raise ValueError(
                "BatchNormalization normalizes along a single axis: expected an int. "
                f"Received: axis={axis}"
            )
        axis = axis[0]
    return int(axis)


def _broadcast_shape(ndim, axis, size):
    shape = [1] * ndim
    shape[axis] = size
    return shape


def _masked_standardize(x, weights, axes, epsilon):
    """`standardize` with the moments taken over the entries where `weights` (0 or 1,
    broadcast against `x`) is 1, Keras' way: each sum divided by `count + backend.epsilon()`."""
    count = np.sum(np.broadcast_to(weights, x.shape), axis=axes, keepdims=True)
    total = count + x.dtype.type(backend.epsilon())
    mean = np.sum(x * weights, axis=axes, keepdims=True) / total
    centered = x - mean
    variance = np.sum(np.square(centered) * weights, axis=axes, keepdims=True) / total
    inv = 1.0 / np.sqrt(variance + x.dtype.type(epsilon))
    return centered * inv, inv, mean, variance


def _masked_standardize_backward(grad, normalized, inv, axes, weights):
    """The gradient of `x` through `_masked_standardize`: every entry's output depends on the
    moments, which depend on the weighted entries alone."""
    weights = np.broadcast_to(weights, grad.shape)
    total = np.sum(weights, axis=axes, keepdims=True) + grad.dtype.type(backend.epsilon())
    centered = normalized / inv
    variance_grad = -0.5 * inv**3 * np.sum(grad * centered, axis=axes, keepdims=True)
    mean_grad = -inv * np.sum(grad, axis=axes, keepdims=True) - 2.0 * variance_grad * np.sum(
        weights * centered, axis=axes, keepdims=True) / total
    return grad * inv + weights * (2.0 * variance_grad * centered + mean_grad) / total
