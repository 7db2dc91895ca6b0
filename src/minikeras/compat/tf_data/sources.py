"""The datasets a pipeline starts from: rows of in-memory arrays (`from_tensor_slices`), a
few elements (`from_tensors`), numbers (`range`), and a Python generator (`from_generator`)."""

import numpy as np

from minikeras.compat.tf_data.dataset import UNKNOWN_CARDINALITY, Dataset
from minikeras.compat.tf_data.specs import (TensorSpec, as_spec_template, spec_of,
                                            without_batch_dimension)
from minikeras.compat.tf_data.structures import (as_structure, flatten, map_structure, pack_as,
                                                 zip_structures)
from minikeras.compat.tf_data.values import to_array


class TensorSlicesDataset(Dataset):
    def __init__(self, tensors):
        self._template = as_structure(tensors)
        leaves = flatten(self._template)
        if any(leaf.ndim == 0 for leaf in leaves):
            raise ValueError("Unbatching a tensor is only supported for rank >= 1")
        sizes = [len(leaf) for leaf in leaves]
        for size in sizes:
            if size != sizes[0]:  # every component is sliced along one first axis
                raise ValueError(f"Dimensions {sizes[0]} and {size} are not compatible")
        self._size = sizes[0] if sizes else 0

    indexed = True

    def _arrays(self):
        return self._template

    def _indices(self):
        return iter(range(self._size))

    def _elements(self):
        return rows_of(self)

    def _cardinality(self):
        return self._size

    def _element_spec(self):
        return without_batch_dimension(spec_of(self._template))


def rows_of(dataset):
    """The elements of an indexed dataset, one row at a time."""
    template = dataset._arrays()
    leaves = flatten(template)
    for index in dataset._indices():
        yield pack_as(template, [leaf[index, ...] for leaf in leaves])




class ElementsDataset(Dataset):
    """A few elements already in memory (`from_tensors`)."""

    def __init__(self, elements):
        self._items = list(elements)

    def _elements(self):
        return iter(self._items)

    def _cardinality(self):
        return len(self._items)

    def _element_spec(self):
        return spec_of(self._items[0])


class RangeDataset(Dataset):
    def __init__(self, numbers, dtype):
        self._numbers, self._dtype = numbers, np.dtype(dtype)

    def _elements(self):
        dtype = self._dtype
        return (np.array(n, dtype) for n in self._numbers)

    def _cardinality(self):
        return len(self._numbers)

    def _element_spec(self):
        return TensorSpec((), self._dtype)


class FromGeneratorDataset(Dataset):
    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is not None:
            if output_types is not None or output_shapes is not None:
                raise TypeError(
                    "The `output_types` and `output_shapes` arguments cannot be used together "
                    "with the `output_signature` argument.")
            signature = output_signature
        elif output_types is not None:
            shapes = output_shapes
            if shapes is None:
                shapes = map_structure(lambda _: None, as_spec_template(output_types))
            signature = zip_structures(
                lambda dtype, shape: TensorSpec(shape, dtype),
                as_spec_template(output_types), as_spec_template(shapes, output_types))
        else:
            raise TypeError(
                "The `output_types` argument can not be None when `output_signature` is not "
                "specified.")
        self._generator, self._args = generator, tuple(args or ())
        self._signature = as_spec_template(signature)

    def _elements(self):
        signature = self._signature
        checks = [(spec.dtype, spec.shape) for spec in flatten(signature)]
        lone = isinstance(signature, TensorSpec)
        flat = type(signature) is tuple and all(isinstance(s, TensorSpec) for s in signature)
        for value in self._generator(*self._args):
            if lone:
                yield _conform(value, *checks[0])
                continue
            if flat and type(value) in (tuple, list) and len(value) == len(checks):
                leaves = value  # the common case, without walking the structure
            else:
                leaves = _flatten_like(value, signature)
            arrays = [_conform(leaf, *check) for leaf, check in zip(leaves, checks)]
            yield tuple(arrays) if flat else pack_as(signature, arrays)

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    def _element_spec(self):
        return self._signature


def _flatten_like(value, template):
    """The leaves of a generated `value` in the order of `template`'s leaves, refusing a value
    of another structure."""
    if isinstance(template, dict):
        if not isinstance(value, dict) or set(value) != set(template):
            raise TypeError(f"`generator` yielded an element that did not match the expected "
                            f"structure. The expected structure was {template}, but the "
                            f"yielded element was {value}.")
        return [leaf for key in sorted(template) for leaf in _flatten_like(value[key],
                                                                           template[key])]
    if isinstance(template, tuple):
        if not isinstance(value, (tuple, list)) or len(value) != len(template):
            raise TypeError(f"`generator` yielded an element that did not match the expected "
                            f"structure. The expected structure was {template}, but the "
                            f"yielded element was {value}.")
        return [leaf for item, sub in zip(value, template) for leaf in _flatten_like(item, sub)]
    return [value]


def _conform(value, dtype, shape):
    """A generated value as an array of `dtype`, refusing one not of `shape` (None: any)."""
    array = to_array(value, None if dtype == object else dtype)
    if shape is not None and (len(shape) != array.ndim or any(
            wanted is not None and wanted != n for wanted, n in zip(shape, array.shape))):
        raise TypeError(f"`generator` yielded an element of shape {array.shape} where an "
                        f"element of shape {tuple(shape)} was expected.")
    return array
