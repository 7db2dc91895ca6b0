"""Datasets made of several datasets: side by side (`zip`) or one after the other
(`concatenate`)."""

import itertools

from minikeras.compat.tf_data.dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from minikeras.compat.tf_data.specs import TensorSpec, as_spec_template, most_specific
from minikeras.compat.tf_data.structures import flatten, pack_as


class ZipDataset(Dataset):
    def __init__(self, datasets):
        self._datasets = as_spec_template(datasets)
        members = flatten(self._datasets)
        if not members or not all(isinstance(d, Dataset) for d in members):
            raise TypeError("The argument to `Dataset.zip()` must be a (nested) structure of "
                            f"`Dataset` objects, got {datasets!r}.")

    def _elements(self):
        members = flatten(self._datasets)
        for parts in zip(*(member._elements() for member in members)):
            yield pack_as(self._datasets, parts)

    def _cardinality(self):
        counts = [d._cardinality() for d in flatten(self._datasets)]
        if UNKNOWN_CARDINALITY in counts:
            return UNKNOWN_CARDINALITY
        finite = [c for c in counts if c >= 0]
        return min(finite) if finite else INFINITE_CARDINALITY

    def _element_spec(self):
        return pack_as(self._datasets, [d._element_spec() for d in flatten(self._datasets)])


class ConcatenateDataset(Dataset):
    def __init__(self, first, second):
        first_spec, second_spec = first._element_spec(), second._element_spec()
        first_leaves, second_leaves = flatten(first_spec), flatten(second_spec)
        if len(first_leaves) != len(second_leaves) or any(
                a.dtype != b.dtype for a, b in zip(first_leaves, second_leaves)):
            raise TypeError(f"Incompatible dataset elements:\n  {first_spec} vs.\n  "
                            f"{second_spec}")
        self._parts = (first, second)
        self._spec = pack_as(first_spec, [
            TensorSpec(most_specific([a.shape, b.shape]) if a.shape is not None
                       and b.shape is not None else None, a.dtype)
            for a, b in zip(first_leaves, second_leaves)])

    def _elements(self):
        return itertools.chain.from_iterable(part._elements() for part in self._parts)

    def _cardinality(self):
        counts = [part._cardinality() for part in self._parts]
        if INFINITE_CARDINALITY in counts:
            return INFINITE_CARDINALITY
        if UNKNOWN_CARDINALITY in counts:
            return UNKNOWN_CARDINALITY
        return sum(counts)

    def _element_spec(self):
        return self._spec
