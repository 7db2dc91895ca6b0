"""Batching: consecutive elements stacked (`batch`), padded to one shape (`padded_batch`), or
split back into rows (`unbatch`)."""

import itertools
import math

import numpy as np

from minikeras.compat.tf_data.dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY
from minikeras.compat.tf_data.specs import (TensorSpec, as_spec_template, with_batch_dimension,
                       without_batch_dimension)
from minikeras.compat.tf_data.structures import flatten, map_structure, pack_as, zip_structures
from minikeras.compat.tf_data.tensor_shape import TensorShape
from minikeras.compat.tf_data.transformations import TransformedDataset


class BatchDataset(TransformedDataset):
    def __init__(self, input_dataset, size, drop_remainder):
        super().__init__(input_dataset)
        self._size, self._drop = size, drop_remainder

    def _elements(self):
        if self._input.indexed:
            template = self._input._arrays()
            for indices in self._chunks(self._input._indices()):
                yield _gather(template, np.asarray(indices, dtype=np.intp))
            return
        for chunk in self._chunks(self._input._elements()):
            yield self._combine(chunk)

    def _chunks(self, items):
        while chunk := list(itertools.islice(items, self._size)):
            if len(chunk) < self._size and self._drop:
                return
            yield chunk

    def _combine(self, elements):
        return pack_as(elements[0], [
            _stack(column) for column in zip(*(flatten(element) for element in elements))])

    def _cardinality(self):
        count = self._input._cardinality()
        if count < 0:
            return count
        return count // self._size if self._drop else math.ceil(count / self._size)

    def _element_spec(self):
        size = self._size if self._drop else None
        return with_batch_dimension(self._input._element_spec(), size)


def _stack(arrays):
    shape = arrays[0].shape
    for array in arrays:
        if array.shape != shape:
            raise ValueError(
                "Cannot add tensor to the batch: number of elements does not match. Shapes "
                f"are: [tensor]: {_listed(shape)}, [batch]: {_listed(array.shape)}")
    return np.stack(arrays)


def _listed(shape):
    return "[" + ",".join(map(str, shape)) + "]"


class PaddedBatchDataset(BatchDataset):
    def __init__(self, input_dataset, size, padded_shapes, padding_values, drop_remainder):
        super().__init__(input_dataset, size, drop_remainder)
        spec = input_dataset._element_spec()
        if padded_shapes is None:  # every axis to the longest in its batch
            padded_shapes = map_structure(lambda s: (None,) * len(s.shape), spec)
        elif not isinstance(spec, (tuple, dict)):
            padded_shapes = TensorShape(padded_shapes)
        self._shapes = zip_structures(lambda s, shape: TensorShape(shape), spec,
                                       as_spec_template(padded_shapes, spec))
        if padding_values is None:
            padding_values = map_structure(lambda s: b"" if s.dtype == object else 0, spec)
        self._values = zip_structures(lambda s, value: value, spec,
                                       as_spec_template(padding_values, spec))

    def _elements(self):
        for chunk in self._chunks(self._input._elements()):
            yield self._combine(chunk)

    def _combine(self, elements):
        columns = list(zip(*(flatten(element) for element in elements)))
        shapes, values = flatten(self._shapes), flatten(self._values)
        return pack_as(elements[0], [
            _pad_and_stack(column, shape, value)
            for column, shape, value in zip(columns, shapes, values)])

    def _element_spec(self):
        size = self._size if self._drop else None
        spec = self._input._element_spec()
        return zip_structures(lambda s, shape: TensorSpec((size, *shape), s.dtype), spec,
                               self._shapes)


def _pad_and_stack(arrays, padded_shape, value):
    longest = np.max([a.shape for a in arrays], axis=0) if arrays[0].ndim else ()
    shape = tuple(int(n) if wanted is None else wanted
                  for n, wanted in zip(longest, padded_shape))
    for array in arrays:
        if any(n > limit for n, limit in zip(array.shape, shape)):
            raise ValueError(f"Attempted to pad to a smaller size than the input element: "
                             f"{array.shape} into {shape}.")
    out = np.full((len(arrays), *shape), value, dtype=arrays[0].dtype)
    for row, array in enumerate(arrays):
        out[(row, *(slice(0, n) for n in array.shape))] = array
    return out


class UnbatchDataset(TransformedDataset):
    def _elements(self):
        for element in self._input._elements():
            leaves = flatten(element)
            for row in range(len(leaves[0])):
                yield pack_as(element, [leaf[row, ...] for leaf in leaves])

    def _cardinality(self):
        count = self._input._cardinality()
        sizes = {s.shape[0] if s.shape else None for s in flatten(self._input._element_spec())}
        if count < 0 or len(sizes) != 1 or None in sizes:  # batches of unknown size
            return count if count == INFINITE_CARDINALITY else UNKNOWN_CARDINALITY
        return count * sizes.pop()

    def _element_spec(self):
        return without_batch_dimension(self._input._element_spec())


def _gather(template, indices):
    """The rows `indices` of every array of `template`, as one batch."""
    if len(indices) and indices[-1] - indices[0] == len(indices) - 1 and (
            np.all(np.diff(indices) == 1)):
        rows = slice(int(indices[0]), int(indices[-1]) + 1)  # consecutive rows: views
        return map_structure(lambda leaf: leaf[rows], template)
    return map_structure(lambda leaf: np.take(leaf, indices, axis=0), template)
