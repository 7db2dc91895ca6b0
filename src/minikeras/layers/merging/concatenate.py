"""`Concatenate`: a list of inputs joined along one axis."""

import numpy as np

from minikeras import ops
from minikeras.core import tape
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Concatenate(Layer):
    """Joins a list of inputs along `axis`; every other axis must match.

    Args:
        axis: the axis to join along (default -1, the last).
    """

    _unmasked_without_masks = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not isinstance(
                input_shape[0], (tuple, list)):
            raise ValueError(
                "A `Concatenate` layer should be called on a list of at least 1 input. "
                f"Received: input_shape={input_shape}"
            )
        shapes = set()
        for shape in input_shape:
            reduced = list(shape)
            del reduced[self.axis % len(reduced)]
            shapes.add(tuple(reduced))
        if len(shapes) == 1:
            return
        error = ValueError(
            "A `Concatenate` layer requires inputs with matching shapes except for the "
            f"concatenation axis. Received: input_shape={input_shape}"
        )
        if len({len(s) for s in shapes}) != 1:
            raise error
        for axis in range(len(next(iter(shapes)))):
            if len({s[axis] for s in shapes if s[axis] is not None}) > 1:
                raise error

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not isinstance(
                input_shape[0], (tuple, list)):
            raise ValueError(
                "A `Concatenate` layer should be called on a list of inputs. "
                f"Received: input_shape={input_shape}"
            )
        output = list(input_shape[0])
        for shape in input_shape[1:]:
            if output[self.axis] is None or shape[self.axis] is None:
                output[self.axis] = None
                break
            output[self.axis] += shape[self.axis]
        return tuple(output)

    def forward(self, inputs, training=False):
        arrays = [np.asarray(x) for x in inputs]
        sizes = [a.shape[self.axis] for a in arrays]
        return np.concatenate(arrays, axis=self.axis), sizes

    def backward(self, sizes, grad, grads):
        return np.split(grad, np.cumsum(sizes)[:-1], axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = []  # minikeras.ops: on symbolic inputs, the graph records these as ops
        for x, one in zip(inputs, mask):
            x = tape.value_of(x)
            if one is None:
                masks.append(ops.ones_like(x, dtype="bool"))
            elif len(one.shape) < len(x.shape):
                masks.append(ops.logical_and(ops.expand_dims(one, -1),
                                             ops.ones_like(x, dtype="bool")))
            else:
                masks.append(one)
        return ops.any(ops.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    """`Concatenate(axis=axis, **kwargs)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
