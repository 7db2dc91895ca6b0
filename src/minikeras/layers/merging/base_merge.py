"""`Merge`: the base of the layers that merge a list of tensors element-wise, with Keras' shape
rules (inputs broadcast against each other; a lower-rank input gains axes after the batch)."""

import numpy as np

from minikeras import ops
from minikeras.core.tape import unbroadcast
from minikeras.layers.base import Layer


class Merge(Layer):
    """Merges a list of inputs element-wise; subclasses give `_merge(arrays)` and
    `_merge_gradients(arrays, output, grad)`."""

    _unmasked_without_masks = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not isinstance(
                input_shape[0], (tuple, list)):
            raise ValueError(
                "A merge layer should be called on a list of inputs. "
                f"Received: input_shape={input_shape} (not a list of shapes)"
            )
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(
                "Cannot merge tensors with different batch sizes. "
                f"Received tensors with shapes {input_shape}"
            )
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        output_shape = tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output_shape = _broadcast_shapes(output_shape, tuple(shape[1:]))
        batch_sizes = {s[0] for s in input_shape} - {None}
        batch = next(iter(batch_sizes)) if len(batch_sizes) == 1 else None
        return (batch, *output_shape)

    def forward(self, inputs, training=False):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                "A merge layer should be called on a list of inputs. "
                f"Received: inputs={inputs} (not a list of tensors)"
            )
        arrays = _same_rank(inputs)
        output = self._merge(arrays)
        return output, (arrays, output, [np.shape(x) for x in inputs])

    def backward(self, ctx, grad, grads):
        arrays, output, shapes = ctx
        return [
            None if g is None else unbroadcast(g, a.shape).reshape(shape)
            for g, a, shape in zip(self._merge_gradients(arrays, output, grad), arrays, shapes)
        ]

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        masks = list(mask)
        if any(m is None for m in masks):
            return None
        output = masks[0]
        for mask in masks[1:]:  # minikeras.ops: recorded as Keras 3's LogicalOr ops
            output = ops.logical_or(output, mask)
        return output


def _broadcast_shapes(shape1, shape2):
    """Keras' element-wise output shape of two shapes (without the batch axis)."""
    if len(shape1) < len(shape2):
        shape1, shape2 = shape2, shape1
    if not shape2:
        return shape1
    output = list(shape1[: len(shape1) - len(shape2)])
    for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
        if i is None or j is None:
            output.append(None)
        elif i == 1:
            output.append(j)
        elif j == 1 or i == j:
            output.append(i)
        else:
            raise ValueError(
                f"Inputs have incompatible shapes. Received shapes {shape1} and {shape2}"
            )
    return tuple(output)


def _same_rank(inputs):
    """The inputs with axes of length 1 added after the batch axis up to the highest rank (how
    Keras merges tensors of different ranks)."""
    arrays = [np.asarray(x) for x in inputs]
    rank = max(a.ndim for a in arrays)
    return [a.reshape(a.shape[:1] + (1,) * (rank - a.ndim) + a.shape[1:]) if a.ndim < rank
            else a for a in arrays]
