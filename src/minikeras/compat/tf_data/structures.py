"""Structures: an element is a leaf (an array), or a tuple, namedtuple or dict of structures,
flattened and packed as TensorFlow's `nest` does (dicts in sorted key order)."""

import numpy as np

from minikeras.compat.tf_data.tensor_shape import TensorShape
from minikeras.compat.tf_data.values import to_array


def is_tuple(value):
    """A tuple of components (a `TensorShape` is a tuple too, but one leaf)."""
    return isinstance(value, tuple) and not isinstance(value, TensorShape)


def is_namedtuple(value):
    return is_tuple(value) and hasattr(value, "_fields")


def _is_flat_tuple(structure):
    """A plain tuple of arrays: the common element, given fast paths below."""
    return type(structure) is tuple and all(type(item) is np.ndarray for item in structure)


def flatten(structure):
    """The leaves of `structure`, depth first (dicts in sorted key order, as TensorFlow)."""
    if type(structure) is np.ndarray:
        return [structure]
    if _is_flat_tuple(structure):
        return list(structure)
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in flatten(structure[key])]
    if is_tuple(structure):
        return [leaf for item in structure for leaf in flatten(item)]
    return [structure]


def pack_as(template, leaves):
    """`leaves` (an iterable) arranged as `template` is."""
    if type(template) is np.ndarray:
        return next(iter(leaves))
    if _is_flat_tuple(template):
        return tuple(leaves)
    leaves = iter(leaves)

    def build(node):
        if isinstance(node, dict):
            built = {key: build(node[key]) for key in sorted(node)}
            return {key: built[key] for key in node}
        if is_namedtuple(node):
            return type(node)(*(build(item) for item in node))
        if is_tuple(node):
            return tuple(build(item) for item in node)
        return next(leaves)

    return build(template)


def map_structure(function, structure):
    return pack_as(structure, [function(leaf) for leaf in flatten(structure)])


def as_structure(value, lists_are_tuples=False):
    """`value` as an element: tuples and dicts are structures, anything else one array. A list
    is an array given to `from_tensor_slices`, a tuple returned by a `map` function."""
    if type(value) is tuple and all(isinstance(item, np.ndarray) for item in value):
        return tuple(map(to_array, value))
    if isinstance(value, list) and lists_are_tuples:
        return tuple(as_structure(item, True) for item in value)
    if isinstance(value, dict):
        return {key: as_structure(item, lists_are_tuples) for key, item in value.items()}
    if is_namedtuple(value):
        return type(value)(*(as_structure(item, lists_are_tuples) for item in value))
    if is_tuple(value):
        return tuple(as_structure(item, lists_are_tuples) for item in value)
    return to_array(value)


def zip_structures(function, first, second):
    if isinstance(first, dict):
        return {k: zip_structures(function, first[k], second[k]) for k in first}
    if is_tuple(first):
        return tuple(zip_structures(function, a, b) for a, b in zip(first, second))
    return function(first, second)
