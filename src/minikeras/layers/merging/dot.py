"""`Dot`: the dot product of the samples of two inputs along an axis of each (Keras'
`batch_dot`), optionally of their L2-normalized samples (the cosine proximity)."""

import numpy as np

from minikeras import backend
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Dot(Layer):
    """The dot product of two inputs' samples along `axes`.

    Args:
        axes: an axis of both inputs, or a pair `(axis of the first, axis of the second)`;
            never the batch axis 0.
        normalize: whether to L2-normalize the samples along those axes first.
    """

    _unmasked_without_masks = True

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    "Invalid type for argument `axes`: it should be a list or an int. "
                    f"Received: axes={axes}"
                )
            if len(axes) != 2:
                raise ValueError(
                    "Invalid format for argument `axes`: it should contain two elements. "
                    f"Received: axes={axes}"
                )
            if not isinstance(axes[0], int) or not isinstance(axes[1], int):
                raise ValueError(
                    "Invalid format for argument `axes`: list elements should be integers. "
                    f"Received: axes={axes}"
                )
        self.axes = axes
        self.normalize = normalize
        self.supports_masking = True

    def _axes_for(self, shape1, shape2):
        if isinstance(self.axes, int):
            if self.axes < 0:
                return [self.axes % len(shape1), self.axes % len(shape2)]
            return [self.axes, self.axes]
        return [a % len(s) if a < 0 else a for a, s in zip(self.axes, (shape1, shape2))]

    def build(self, input_shape):
        if not isinstance(input_shape[0], (tuple, list)) or len(input_shape) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                f"input_shape={input_shape}"
            )
        shape1, shape2 = input_shape
        axes = self._axes_for(shape1, shape2)
        if shape1[axes[0]] != shape2[axes[1]]:
            raise ValueError(
                f"Incompatible input shapes: axis values {shape1[axes[0]]} (at axis {axes[0]}) "
                f"!= {shape2[axes[1]]} (at axis {axes[1]}). Full input shapes: {shape1}, "
                f"{shape2}"
            )

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                f"input_shape={input_shape}"
            )
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        axes = self._axes_for(shape1, shape2)
        shape1.pop(axes[0])
        shape2.pop(axes[1])
        shape2.pop(0)
        output = shape1 + shape2
        return tuple(output + [1] if len(output) == 1 else output)

    def forward(self, inputs, training=False):
        if len(inputs) != 2:
            raise ValueError(
                f"A `Dot` layer should be called on exactly 2 inputs. Received: inputs={inputs}"
            )
        x, y = (np.asarray(v) for v in inputs)
        a0, a1 = self._axes_for(x.shape, y.shape)
        if a0 == 0 or a1 == 0:
            raise ValueError(
                "Cannot perform batch_dot over axis 0. If your inputs are not batched, add a "
                "dummy batch dimension to your inputs using keras.ops.expand_dims(x, 0)"
            )
        if self.normalize:
            x, x_norm = _l2_normalize(x, a0)
            y, y_norm = _l2_normalize(y, a1)
        # batch_dot: (b, ..., d) @ (b, d, ...), each side flattened to a matrix per sample.
        xs = np.moveaxis(x, a0, -1)
        ys = np.moveaxis(y, a1, 1)
        xm = xs.reshape(len(xs), -1, xs.shape[-1])
        ym = ys.reshape(len(ys), ys.shape[1], -1)
        output = np.matmul(xm, ym).reshape(
            (len(xs), *xs.shape[1:-1], *ys.shape[2:]) or (len(xs), 1))
        if output.ndim == 1:
            output = output[:, None]
        ctx = (xm, ym, xs.shape, ys.shape, (a0, a1),
               (x, x_norm, y, y_norm) if self.normalize else None)
        return output, ctx

    def backward(self, ctx, grad, grads):
        xm, ym, xs_shape, ys_shape, (a0, a1), normalized = ctx
        g = grad.reshape(len(xm), xm.shape[1], ym.shape[2])
        gx = np.moveaxis(np.matmul(g, np.swapaxes(ym, 1, 2)).reshape(xs_shape), -1, a0)
        gy = np.moveaxis(np.matmul(np.swapaxes(xm, 1, 2), g).reshape(ys_shape), 1, a1)
        if normalized is not None:
            x, x_norm, y, y_norm = normalized
            gx = _l2_normalize_gradient(x, x_norm, gx, a0)
            gy = _l2_normalize_gradient(y, y_norm, gy, a1)
        return [gx, gy]

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _l2_normalize(x, axis):
    """`x * min(rsqrt(sum(x**2, axis)), 1 / epsilon)` (Keras' `ops.normalize`), and that
    factor."""
    square_sum = np.sum(np.square(x), axis=axis, keepdims=True)
    with np.errstate(divide="ignore"):
        inverse = np.minimum(1.0 / np.sqrt(square_sum), 1.0 / backend.epsilon()).astype(x.dtype)
    return x * inverse, inverse


def _l2_normalize_gradient(normalized, inverse, grad, axis):
    """The gradient through `_l2_normalize`, from that of its output: where the norm was not
    clipped, `inverse * (grad - normalized * sum(grad * normalized))`."""
    clipped = inverse >= np.float32(1.0 / backend.epsilon())
    projection = np.sum(grad * normalized, axis=axis, keepdims=True)
    return np.where(clipped, grad * inverse, inverse * (grad - normalized * projection))


def dot(inputs, axes=-1, **kwargs):
    """`Dot(axes=axes, **kwargs)(inputs)`."""
    return Dot(axes=axes, **kwargs)(inputs)
