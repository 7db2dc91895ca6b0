"""How a `minikeras.ops` module's functions become `keras.ops`': symbolic on Keras tensors,
`Tensor`s in eager code."""

import builtins
import functools
import inspect

import numpy as np

from minikeras.autodiff import Node
from minikeras.core.tensor import Tensor
from minikeras.ops._dtypes import _WEAK


def _public(function, name):
    """`function` as `keras.ops` gives it. On symbolic tensors (a functional model's
    KerasTensors) it records itself as a graph node (`minikeras.layers.operation`), as Keras 3's
    ops do; in eager code an ndarray result comes back as a `Tensor` (with `.numpy()`, as
    Keras' eager tensors have): a view, no copy. A numpy scalar (what numpy makes of a 0-d
    result) comes back as a 0-d `Tensor` too: a float64 one would otherwise pass for a weakly
    typed Python float in the next op."""

    @functools.wraps(function)
    def op(*args, **kwargs):
        if _holds_keras_tensor(args) or (kwargs and _holds_keras_tensor(kwargs.values())):
            from minikeras.layers import operation

            return operation.apply_function(name, function, args, kwargs)
        result = function(*args, **kwargs)
        if type(result) is np.ndarray:
            return result.view(Tensor)
        if isinstance(result, np.generic):
            return np.asarray(result).view(Tensor)
        if isinstance(result, tuple) and builtins.any(_plain(r) for r in result):
            items = [np.asarray(r).view(Tensor) if _plain(r) else r for r in result]
            return type(result)(*items) if hasattr(result, "_fields") else tuple(items)
        return result

    return op


def _plain(value):
    """Whether `value` is a plain ndarray or a numpy scalar: what comes back as a `Tensor`."""
    return type(value) is np.ndarray or isinstance(value, np.generic)


def _holds_keras_tensor(values):
    for value in values:
        if isinstance(value, (np.ndarray, Node) + _WEAK):
            continue
        if hasattr(value, "_keras_history") or (
            isinstance(value, (list, tuple))
            and builtins.any(hasattr(item, "_keras_history") for item in value)
        ):
            return True
    return False


def publish(namespace):
    """Wrap every public function a module defines (its `namespace`, `globals()`) as `_public`
    says, in place, each under its own name (`absolute` records Keras' `Absolute` op, `abs` its
    alias); return their names, the module's `__all__`."""
    module = namespace["__name__"]
    names = sorted(name for name, value in namespace.items()
                   if not name.startswith("_") and inspect.isfunction(value)
                   and value.__module__ == module)
    for name in names:
        namespace[name] = _public(namespace[name], name)
    return names
