"""Datasets made from one input dataset: element by element (`map`, `filter`, `flat_map`),
reordering (`shuffle`, `repeat`, `take`, `skip`) and `cache`."""

import itertools

import numpy as np

from minikeras import backend
from minikeras.compat.tf_data.dataset import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from minikeras.compat.tf_data.elements import call_with
from minikeras.compat.tf_data.sources import rows_of
from minikeras.compat.tf_data.specs import TensorSpec, spec_of
from minikeras.compat.tf_data.structures import as_structure, flatten, map_structure

_RANDOM_BLOCK = 1024  # uniform draws taken at once by `shuffle`


class TransformedDataset(Dataset):
    """A dataset made from one input dataset."""

    def __init__(self, input_dataset):
        if not isinstance(input_dataset, Dataset):
            raise TypeError(f"Expected a Dataset, got {input_dataset!r}")
        self._input = input_dataset

    def _cardinality(self):
        return self._input._cardinality()

    def _element_spec(self):
        return self._input._element_spec()


class ReorderingDataset(TransformedDataset):
    """A transformation of the order of the elements only (shuffle, repeat, take, skip). Over
    rows of in-memory arrays it reorders row indices, which `batch` then gathers at once."""

    @property
    def indexed(self):
        return self._input.indexed

    def _arrays(self):
        return self._input._arrays()

    def _indices(self):
        return self._reorder(self._input._indices)

    def _elements(self):
        return rows_of(self) if self.indexed else self._reorder(self._input._elements)

    def _reorder(self, fresh):
        """The new order of the items of `fresh()`, a fresh iterator over the input's."""
        raise NotImplementedError


class ShuffleDataset(ReorderingDataset):
    def __init__(self, input_dataset, buffer_size, seed, reshuffle):
        super().__init__(input_dataset)
        self._buffer_size, self._reshuffle = buffer_size, reshuffle
        # Without a seed, the pass seeds come from minikeras' global generator, so that
        # `tf.random.set_seed` / `keras.utils.set_random_seed` make the order repeatable.
        root = np.random.SeedSequence(
            seed if seed is not None else int(backend.rng().integers(2**63)))
        self._seeds = root.spawn(1)[0]
        self._fixed_seed = root

    def _generator(self):
        seed = self._seeds.spawn(1)[0] if self._reshuffle else self._fixed_seed
        return np.random.default_rng(seed)

    def _reorder(self, fresh):
        return _shuffled(fresh(), self._buffer_size, self._generator())


def _shuffled(items, buffer_size, rng):
    """TensorFlow's buffered shuffle: fill a buffer, then repeatedly hand out a uniformly chosen
    entry and put the next input in its place; drain in random order at the end."""
    buffer = list(itertools.islice(items, buffer_size))
    draws = iter(())
    for item in items:
        u = next(draws, None)
        if u is None:
            draws = iter(rng.random(_RANDOM_BLOCK))
            u = next(draws)
        choice = int(u * len(buffer))
        yield buffer[choice]
        buffer[choice] = item
    for position in rng.permutation(len(buffer)):
        yield buffer[position]


class MapDataset(TransformedDataset):
    def __init__(self, input_dataset, function):
        super().__init__(input_dataset)
        if not callable(function):
            raise TypeError(f"`map_func` must be callable, got {function!r}")
        self._function = function
        self._spec = None

    def _elements(self):
        function = self._function
        for element in self._input._elements():
            yield as_structure(call_with(function, element), lists_are_tuples=True)

    def _element_spec(self):
        # TensorFlow traces the function; here it runs on the first element once.
        if self._spec is None:
            first = next(iter(self._elements()), None)
            if first is None:
                raise ValueError("The element_spec of a map over an empty dataset is unknown.")
            input_spec = self._input._element_spec()
            batched = all(s.shape and s.shape[0] is None for s in flatten(input_spec))
            self._spec = spec_of(first)
            if batched:  # a map over batches: keep the batch size unknown
                self._spec = map_structure(lambda s: TensorSpec(
                    (None, *s.shape[1:]) if s.shape else s.shape, s.dtype), self._spec)
        return self._spec


class FilterDataset(TransformedDataset):
    def __init__(self, input_dataset, predicate):
        super().__init__(input_dataset)
        self._predicate = predicate

    def _elements(self):
        predicate = self._predicate
        for element in self._input._elements():
            keep = np.asarray(call_with(predicate, element))
            if keep.shape != () or keep.dtype != bool:
                raise ValueError("Invalid `predicate`. `predicate` must return a `tf.bool` "
                                 "scalar tensor, but its return type is "
                                 f"{TensorSpec.from_array(keep)}.")
            if keep:
                yield element

    def _cardinality(self):
        return UNKNOWN_CARDINALITY  # even of an infinite stream: it may keep nothing


class FlatMapDataset(MapDataset):
    def _elements(self):
        for element in self._input._elements():
            yield from call_with(self._function, element)._elements()

    def _cardinality(self):
        return UNKNOWN_CARDINALITY


class RepeatDataset(ReorderingDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = count

    def _reorder(self, fresh):
        passes = itertools.count() if self._count is None else range(self._count)
        for _ in passes:
            empty = True
            for item in fresh():
                empty = False
                yield item
            if empty:  # an empty dataset repeated forever is still empty
                return


    def _cardinality(self):
        count = self._input._cardinality()
        if self._count is None:  # forever, unless there is nothing to repeat
            return 0 if count == 0 else INFINITE_CARDINALITY
        return count * self._count if count >= 0 else count


class TakeDataset(ReorderingDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = count

    def _reorder(self, fresh):
        return fresh() if self._count < 0 else itertools.islice(fresh(), self._count)

    def _cardinality(self):
        count = self._input._cardinality()
        if self._count < 0:
            return count
        if count == INFINITE_CARDINALITY:
            return self._count
        return count if count == UNKNOWN_CARDINALITY else min(count, self._count)


class SkipDataset(TakeDataset):
    def _reorder(self, fresh):
        return iter(()) if self._count < 0 else itertools.islice(fresh(), self._count, None)

    def _cardinality(self):
        count = self._input._cardinality()
        if count < 0:
            return count
        return 0 if self._count < 0 else max(count - self._count, 0)


class CacheDataset(TransformedDataset):
    def __init__(self, input_dataset):
        super().__init__(input_dataset)
        self._cached = None

    def _elements(self):
        if self._cached is not None:
            yield from self._cached
            return
        seen = []
        for element in self._input._elements():
            seen.append(element)
            yield element
        self._cached = seen  # only a complete pass is kept
