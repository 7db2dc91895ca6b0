"""The element-wise merge layers: `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`,
`Minimum`, and their function forms (`layers.add([a, b])`, ...)."""

import numpy as np

from minikeras.layers.merging.base_merge import Merge
from minikeras.saving import registry


def _export(cls):
    return registry.register("layer", module="keras.layers")(cls)


@_export
class Add(Merge):
    """The sum of a list of inputs."""

    def _merge(self, arrays):
        output = arrays[0] + arrays[1] if len(arrays) > 1 else arrays[0].copy()
        for x in arrays[2:]:
            output += x
        return output

    def _merge_gradients(self, arrays, output, grad):
        return [grad] * len(arrays)


@_export
class Subtract(Merge):
    """The difference of exactly two inputs, `inputs[0] - inputs[1]`."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(
                "A `Subtract` layer should be called on exactly 2 inputs. "
                f"Received: input_shape={input_shape}"
            )

    def _merge(self, arrays):
        if len(arrays) != 2:
            raise ValueError(
                f"A `Subtract` layer should be called on exactly 2 inputs. Received: inputs={arrays}"
            )
        return arrays[0] - arrays[1]

    def _merge_gradients(self, arrays, output, grad):
        return [grad, -grad]


@_export
class Multiply(Merge):
    """The element-wise product of a list of inputs."""

    def _merge(self, arrays):
        output = arrays[0] * arrays[1] if len(arrays) > 1 else arrays[0].copy()
        for x in arrays[2:]:
            output *= x
        return output

    def _merge_gradients(self, arrays, output, grad):
        gradients = []
        for i in range(len(arrays)):
            others = grad
            for j, x in enumerate(arrays):
                if j != i:
                    others = others * x
            gradients.append(others)
        return gradients


@_export
class Average(Merge):
    """The element-wise mean of a list of inputs."""

    def _merge(self, arrays):
        return Add._merge(self, arrays) / np.float32(len(arrays))

    def _merge_gradients(self, arrays, output, grad):
        return [grad / np.float32(len(arrays))] * len(arrays)


class _Extremum(Merge):
    """`_pick(a, b)` folded over the inputs; the gradient goes where TensorFlow sends it, to
    the running result on ties (its maximum/minimum gradients)."""

    _pick = _keeps_left = None

    def _merge(self, arrays):
        output = arrays[0]
        for x in arrays[1:]:
            output = type(self)._pick(output, x)
        return output

    def _merge_gradients(self, arrays, output, grad):
        running = [arrays[0]]
        for x in arrays[1:-1]:
            running.append(type(self)._pick(running[-1], x))
        gradients = [None] * len(arrays)
        for k in range(len(arrays) - 1, 0, -1):
            left = type(self)._keeps_left(running[k - 1], arrays[k])
            gradients[k] = np.where(left, 0.0, grad).astype(grad.dtype)
            grad = np.where(left, grad, 0.0).astype(grad.dtype)
        gradients[0] = grad
        return gradients


@_export
class Maximum(_Extremum):
    """The element-wise maximum of a list of inputs."""

    _pick = staticmethod(np.maximum)
    _keeps_left = staticmethod(np.greater_equal)


@_export
class Minimum(_Extremum):
    """The element-wise minimum of a list of inputs."""

    _pick = staticmethod(np.minimum)
    _keeps_left = staticmethod(np.less_equal)


def add(inputs, **kwargs):
    """`Add(**kwargs)(inputs)`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """`Subtract(**kwargs)(inputs)`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """`Multiply(**kwargs)(inputs)`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """`Average(**kwargs)(inputs)`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """`Maximum(**kwargs)(inputs)`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """`Minimum(**kwargs)(inputs)`."""
    return Minimum(**kwargs)(inputs)
