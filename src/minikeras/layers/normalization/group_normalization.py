"""`GroupNormalization`: standardize each sample over groups of its channels."""

from minikeras.layers.base import Layer
from minikeras.layers.normalization.affine import AffineNormalization
from minikeras.layers.normalization.standardization import (
    reduce_to, standardize, standardize_backward,
)
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class GroupNormalization(AffineNormalization):
    """Split the channels (axis `axis`) into `groups` groups and standardize each sample over
    each group (its channels and all the other non-batch axes), then scale by `gamma` and
    offset by `beta`, one per channel. `groups=-1` is instance normalization (one channel per
    group); `groups=1` normalizes like LayerNormalization over all non-batch axes.

    Args:
        groups: a positive number of groups, dividing the number of channels; or -1.
        axis: the channel axis.
        epsilon, center, scale, beta_*/gamma_* initializers, regularizers and constraints:
            see `AffineNormalization`.
    """

    def __init__(
        self,
        groups=32,
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
        if not isinstance(groups, int) or isinstance(groups, bool) or (
                groups <= 0 and groups != -1):
            raise ValueError(
                "Received an invalid value for argument `groups`, expected a positive integer "
                f"(or `-1` for instance normalization). Received: groups={groups}"
            )
        super().__init__(epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        self.groups = groups
        self.axis = axis

    def build(self, input_shape):
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the "
                f"layer received an input with shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups:
            raise ValueError(
                f"Number of groups ({self.groups}) cannot be more than the number of channels "
                f"({channels})."
            )
        if channels % self.groups != 0:
            raise ValueError(
                f"Number of groups ({self.groups}) must be a multiple of the number of "
                f"channels ({channels})."
            )
        self._add_gamma_and_beta((channels,))

    def _grouped_shape(self, shape):
        """The inputs' shape with the channel axis split into (groups, channels per group)."""
        grouped = list(shape)
        grouped[self.axis] = shape[self.axis] // self.groups
        grouped.insert(self.axis, self.groups)
        return grouped

    def _weight_shape(self, shape):
        """How `gamma` and `beta` broadcast against the grouped inputs."""
        weight_shape = [1] * len(shape)
        weight_shape[self.axis] = shape[self.axis] // self.groups
        weight_shape.insert(self.axis, self.groups)
        return weight_shape

    def _group_axes(self, ndim):
        """The axes of the grouped inputs (rank `ndim + 1`) that each group is reduced over."""
        axes = list(range(1, ndim + 1))
        axes.pop(-2 if self.axis == -1 else self.axis - 1)
        return tuple(axes)

    def forward(self, inputs, training=False):
        grouped = inputs.reshape(self._grouped_shape(inputs.shape))
        axes = self._group_axes(inputs.ndim)
        normalized, inv, _, _ = standardize(grouped, axes, self.epsilon)
        weight_shape = self._weight_shape(inputs.shape)
        outputs = normalized * self.gamma.value.reshape(weight_shape) if self.gamma is not None \
            else normalized.copy()
        if self.beta is not None:
            outputs += self.beta.value.reshape(weight_shape)
        return outputs.reshape(inputs.shape), (normalized, inv, axes, weight_shape)

    def backward(self, ctx, grad, grads):
        normalized, inv, axes, weight_shape = ctx
        input_shape = grad.shape
        grad = grad.reshape(normalized.shape)
        channel_axes = _channel_axes(self.axis, len(weight_shape))
        if self.gamma is not None and grads.wants(self.gamma):
            grads.add(self.gamma, reduce_to(grad * normalized, self.gamma.shape, channel_axes))
        if self.beta is not None and grads.wants(self.beta):
            grads.add(self.beta, reduce_to(grad, self.beta.shape, channel_axes))
        if not grads.needs_input:
            return None
        if self.gamma is not None:
            grad = grad * self.gamma.value.reshape(weight_shape)
        return standardize_backward(grad, normalized, inv, axes).reshape(input_shape)

    def get_config(self):
        return {**Layer.get_config(self), "groups": self.groups, "axis": self.axis,
                **self._affine_config()}


def _channel_axes(axis, grouped_ndim):
    """The two axes of the grouped inputs that together index a channel (the group, then the
    channel within it)."""
    position = axis % (grouped_ndim - 1)
    return (position, position + 1)
