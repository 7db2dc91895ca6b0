"""Elements as user code receives them: `Tensor`s when iterating and in `map`/`filter`
functions, numpy values from `as_numpy_iterator`."""

import numpy as np

from minikeras import backend
from minikeras.compat.tf_data.structures import is_namedtuple, is_tuple, map_structure


_TENSOR = []  # the stand-in's Tensor, found on first use


def _tensor_type():
    if not _TENSOR:
        # It lives with the `tensorflow` module, which imports this one.
        from minikeras.compat.tensorflow import Tensor

        _TENSOR.append(Tensor)
    return _TENSOR[0]


def as_tensors(element):
    tensor = _tensor_type()
    if type(element) is np.ndarray:
        return element.view(tensor)
    return map_structure(lambda leaf: leaf.view(tensor), element)


def as_numpy(leaf):
    """A leaf as `as_numpy_iterator` gives it: an array, or a numpy scalar / `bytes` at rank 0."""
    return leaf[()] if leaf.ndim == 0 else leaf


def call_with(function, element):
    """Call a `map`/`filter` function as TensorFlow does: a tuple element is spread over the
    arguments, anything else is the one argument."""
    element = as_tensors(element)
    with backend.traced_function():  # TensorFlow traces these functions as graphs
        if is_tuple(element) and not is_namedtuple(element):
            return function(*element)
        return function(element)
