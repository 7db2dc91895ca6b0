"""`tf.data.Dataset`: the methods users call, each making the dataset of one source or
transformation (defined in `sources`, `transformations`, `batching` and `combining`)."""

import glob as globbing
import os

import numpy as np

from minikeras.compat.tf_data.elements import as_numpy, as_tensors
from minikeras.compat.tf_data.structures import as_structure, map_structure

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


class Dataset:
    """A stream of elements, lazily made from a source by a chain of transformations.

    Subclasses define `_elements()` (a fresh iterator over one pass), `_cardinality()` and
    `_element_spec()`; those whose elements are rows of in-memory arrays say so with `indexed`
    and define `_indices()`, the rows a pass visits.
    """

    # -- sources -------------------------------------------------------------------------------

    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """One element per row of `tensors` (an array, or a tuple/dict of arrays of one
        length)."""
        return sources.TensorSlicesDataset(tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of one element: `tensors` itself."""
        return sources.ElementsDataset([as_structure(tensors)])

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """The elements `generator()` yields (called again for every pass), checked against
        `output_signature` (or Keras 2's `output_types` and `output_shapes`)."""
        return sources.FromGeneratorDataset(generator, output_types, output_shapes, args,
                                            output_signature)

    @staticmethod
    def range(*args, dtype=np.int64, name=None):
        """`start, stop, step` as Python's `range` takes them, as int64 scalars."""
        return sources.RangeDataset(range(*args), dtype)

    @staticmethod
    def zip(*args, datasets=None, name=None):
        """Elements made of one element of each dataset, in the structure the datasets are
        given (`zip(a, b)`, `zip((a, b))`, `zip({"x": a, "y": b})`); stops with the shortest."""
        if datasets is None:
            datasets = args[0] if len(args) == 1 else args
        elif args:
            raise TypeError("Both `*args` and `datasets` cannot be set.")
        return combining.ZipDataset(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The file names matching `file_pattern` (a glob, or a list of them), as `bytes`;
        sorted, then shuffled unless `shuffle=False`."""
        patterns = [file_pattern] if isinstance(file_pattern, (str, bytes)) else file_pattern
        patterns = [os.fsdecode(p) for p in patterns]
        names = sorted({name for pattern in patterns for name in globbing.glob(pattern)})
        if not names:
            raise ValueError(f"No files matched pattern: {', '.join(patterns)}")
        files = Dataset.from_tensor_slices(np.array([os.fsencode(n) for n in names], object))
        return files.shuffle(len(names), seed=seed) if shuffle is None or shuffle else files

    # -- transformations -----------------------------------------------------------------------

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Consecutive elements stacked into batches of `batch_size` (the last one smaller,
        unless `drop_remainder`)."""
        return batching.BatchDataset(self, _positive(batch_size, "Batch size"), drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batches of elements padded at the end of each axis to the longest in the batch, or
        to `padded_shapes` (None or -1 for the longest), with `padding_values` (0, `b""`)."""
        return batching.PaddedBatchDataset(self, _positive(batch_size, "Batch size"), padded_shapes,
                            padding_values, drop_remainder)

    def unbatch(self, name=None):
        """The rows of each element, one element each."""
        return batching.UnbatchDataset(self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Elements in random order: each is drawn uniformly from a buffer of the next
        `buffer_size`, so order is only mixed within that reach. A new order every pass,
        unless `reshuffle_each_iteration=False`; `seed` (or `tf.random.set_seed`) repeats it."""
        reshuffle = True if reshuffle_each_iteration is None else reshuffle_each_iteration
        return transformations.ShuffleDataset(self, _positive(buffer_size, "buffer_size"), seed,
                                              reshuffle)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """`map_func` applied to every element (a tuple element gives its parts as arguments);
        it runs in this thread, in order, whatever `num_parallel_calls` says."""
        return transformations.MapDataset(self, map_func)

    def filter(self, predicate, name=None):
        """The elements for which `predicate` is true."""
        return transformations.FilterDataset(self, predicate)

    def flat_map(self, map_func, name=None):
        """The elements of the datasets `map_func` returns, one after the other."""
        return transformations.FlatMapDataset(self, map_func)

    def repeat(self, count=None, name=None):
        """The elements `count` times over (forever when None or -1)."""
        return transformations.RepeatDataset(
            self, None if count is None or count < 0 else int(count))

    def take(self, count, name=None):
        """The first `count` elements (all of them when -1)."""
        return transformations.TakeDataset(self, int(count))

    def skip(self, count, name=None):
        """All but the first `count` elements (none when -1)."""
        return transformations.SkipDataset(self, int(count))

    def cache(self, filename="", name=None):
        """The elements of the first complete pass, kept in memory and replayed after.
        A `filename` is accepted; the cache is in memory all the same."""
        return transformations.CacheDataset(self)

    def prefetch(self, buffer_size, name=None):
        """The same elements. TensorFlow prepares the next ones in the background; here the
        pipeline runs when the model asks for data."""
        return self

    def enumerate(self, start=0, name=None):
        """`(index, element)` pairs, the index an int64 counting from `start`."""
        return Dataset.zip(Dataset.range(start, np.iinfo(np.int64).max), self)

    def concatenate(self, dataset, name=None):
        """The elements of this dataset, then those of `dataset` (of the same structure)."""
        return combining.ConcatenateDataset(self, dataset)

    def apply(self, transformation_func):
        return transformation_func(self)

    def with_options(self, options, name=None):
        return self

    def as_numpy_iterator(self):
        """The elements as numpy values (rank 0 as numpy scalars, strings as `bytes`)."""
        for element in self._elements():
            yield map_structure(as_numpy, element)

    def __iter__(self):
        for element in self._elements():
            yield as_tensors(element)

    # -- what is known without iterating --------------------------------------------------------

    def cardinality(self):
        """The number of elements: `INFINITE_CARDINALITY` (-1) or `UNKNOWN_CARDINALITY` (-2)
        when there is no count, as an int64 scalar."""
        return np.int64(self._cardinality())

    @property
    def element_spec(self):
        """The `TensorSpec` of each component of an element, in the element's structure."""
        return self._element_spec()

    def __len__(self):
        count = self._cardinality()
        if count == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if count == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return count

    def __bool__(self):
        return True  # not `len(self) > 0`, which raises for a stream of unknown length

    def __repr__(self):
        return f"<_{type(self).__name__} element_spec={self.element_spec}>"  # TensorFlow's names

    # -- for subclasses -------------------------------------------------------------------------

    indexed = False  # whether elements are rows of `_arrays()`, visited in `_indices()` order


def _positive(value, what):
    value = int(value)
    if value <= 0:
        raise ValueError(f"{what} must be greater than zero.")
    return value


# The datasets of the sources and transformations subclass `Dataset`, so they come after it
# (in the order they build on each other).
from minikeras.compat.tf_data import sources  # noqa: E402
from minikeras.compat.tf_data import transformations  # noqa: E402
from minikeras.compat.tf_data import batching  # noqa: E402
from minikeras.compat.tf_data import combining  # noqa: E402
