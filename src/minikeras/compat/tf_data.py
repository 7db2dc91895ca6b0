"""`tf.data` on numpy: lazy, streaming input pipelines with TensorFlow's `Dataset` methods.

A `Dataset` is a recipe, not data: each iteration runs the chain of transformations from its
source, one element at a time, so a pipeline over a generator of ten million rows holds one
batch (and a shuffle buffer) at a time, as in TensorFlow. Only `cache()` keeps what it saw.

Elements are nested structures (tuples, dicts, namedtuples) of numpy arrays. Iterating with
`for` gives the stand-in's `Tensor`s (numpy arrays with `.numpy()`); `as_numpy_iterator()`
gives plain numpy values, scalars as numpy scalars and strings as `bytes`, as TensorFlow does.
Functions given to `map` and `filter` receive `Tensor`s and may use `tf.*` functions.

Pipelines that start from in-memory arrays (`from_tensor_slices`) carry row indices rather than
rows through `shuffle`, `take`, `skip` and `repeat`, so that `batch` gathers each batch from the
arrays in one `np.take` per array instead of stacking rows one by one.
"""

import collections
import glob as globbing
import itertools
import math
import os
import types

import numpy as np

from minikeras import backend

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
_RANDOM_BLOCK = 1024  # uniform draws taken at once by `shuffle`


# ----------------------------------------------------------------------------------------------
# Structures: an element is a leaf (an array), or a tuple, namedtuple or dict of structures.


def _is_tuple(value):
    """A tuple of components (a `TensorShape` is a tuple too, but one leaf)."""
    return isinstance(value, tuple) and not isinstance(value, TensorShape)


def _is_namedtuple(value):
    return _is_tuple(value) and hasattr(value, "_fields")


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
    if _is_tuple(structure):
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
        if _is_namedtuple(node):
            return type(node)(*(build(item) for item in node))
        if _is_tuple(node):
            return tuple(build(item) for item in node)
        return next(leaves)

    return build(template)


def map_structure(function, structure):
    return pack_as(structure, [function(leaf) for leaf in flatten(structure)])


def _as_structure(value, lists_are_tuples=False):
    """`value` as an element: tuples and dicts are structures, anything else one array. A list
    is an array given to `from_tensor_slices`, a tuple returned by a `map` function."""
    if type(value) is tuple and all(isinstance(item, np.ndarray) for item in value):
        return tuple(map(to_array, value))
    if isinstance(value, list) and lists_are_tuples:
        return tuple(_as_structure(item, True) for item in value)
    if isinstance(value, dict):
        return {key: _as_structure(item, lists_are_tuples) for key, item in value.items()}
    if _is_namedtuple(value):
        return type(value)(*(_as_structure(item, lists_are_tuples) for item in value))
    if _is_tuple(value):
        return tuple(_as_structure(item, lists_are_tuples) for item in value)
    return to_array(value)


def to_array(value, dtype=None):
    """`value` as TensorFlow would make a tensor of it, as a plain numpy array: Python floats
    become float32 and Python ints int32 (numpy arrays keep their dtype), text becomes an
    object array of UTF-8 `bytes` (TensorFlow's `tf.string`)."""
    if isinstance(value, np.ndarray) and value.dtype.kind not in "USO" and (
            dtype is None or value.dtype == dtype):
        return value if type(value) is np.ndarray else value.view(np.ndarray)
    if dtype is not None and np.dtype(dtype) != object:
        return np.asarray(value, dtype=dtype).view(np.ndarray)
    from_python = not isinstance(value, (np.ndarray, np.generic))
    array = np.asarray(getattr(value, "value", value)).view(np.ndarray)
    if array.dtype.kind in "US" or (array.dtype == object and _holds_text(array)):
        return _as_bytes(array)
    if array.dtype == object:
        raise TypeError(f"Could not convert {value!r} to a tensor: its parts differ in shape "
                        "or are not numbers or strings.")
    if from_python and array.dtype == np.float64:
        return array.astype(np.float32)
    if from_python and array.dtype == np.int64:
        return array.astype(np.int32)
    return array


def _holds_text(array):
    return all(isinstance(item, (str, bytes)) for item in array.flat)


def _as_bytes(array):
    out = np.empty(array.shape, dtype=object)
    for index, item in np.ndenumerate(array):
        out[index] = item.encode("utf-8") if isinstance(item, str) else bytes(item)
    return out


_TENSOR = []  # the stand-in's Tensor, found on first use


def _tensor_type():
    if not _TENSOR:
        # It lives with the `tensorflow` module, which imports this one.
        from minikeras.compat.tensorflow import Tensor

        _TENSOR.append(Tensor)
    return _TENSOR[0]


def _as_tensors(element):
    tensor = _tensor_type()
    if type(element) is np.ndarray:
        return element.view(tensor)
    return map_structure(lambda leaf: leaf.view(tensor), element)


def _as_numpy(leaf):
    """A leaf as `as_numpy_iterator` gives it: an array, or a numpy scalar / `bytes` at rank 0."""
    return leaf[()] if leaf.ndim == 0 else leaf


def _call(function, element):
    """Call a `map`/`filter` function as TensorFlow does: a tuple element is spread over the
    arguments, anything else is the one argument."""
    element = _as_tensors(element)
    if _is_tuple(element) and not _is_namedtuple(element):
        return function(*element)
    return function(element)


# ----------------------------------------------------------------------------------------------
# Specs


_TF_NAMES = {np.dtype(object): "string", np.dtype(bool): "bool"}


def dtype_name(dtype):
    """TensorFlow's name for a dtype: "float32", "string" for text."""
    dtype = np.dtype(dtype)
    return _TF_NAMES.get(dtype, dtype.name)


class TensorShape(tuple):
    """A shape whose unknown sizes are None: a tuple, with TensorFlow's `as_list` and `rank`."""

    def __new__(cls, dims=()):
        return super().__new__(cls, () if dims is None else (
            None if d is None or d == -1 else int(d) for d in dims))

    @property
    def rank(self):
        return len(self)

    def as_list(self):
        return list(self)

    def is_compatible_with(self, other):
        other = tuple(other)
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other))

    def __repr__(self):
        return f"TensorShape({list(self)})"


class TensorSpec:
    """The shape and dtype of one component of a dataset's elements (`element_spec`), or of
    what a generator yields (`from_generator(output_signature=...)`). A shape of None means
    that even the rank is unknown."""

    def __init__(self, shape, dtype=np.float32, name=None):
        self.shape = None if shape is None else TensorShape(shape)
        self.dtype = np.dtype(object if dtype in (str, bytes, "string") else dtype)
        self.name = name

    @classmethod
    def from_array(cls, array, name=None):
        return cls(array.shape, array.dtype, name)

    def is_compatible_with(self, array):
        return self.shape is None or self.shape.is_compatible_with(np.shape(array))

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self.shape == other.shape
                and self.dtype == other.dtype and self.name == other.name)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self):
        shape = "<unknown>" if self.shape is None else tuple(self.shape)
        dtype = dtype_name(self.dtype)
        return f"TensorSpec(shape={shape}, dtype=tf.{dtype}, name={self.name!r})"


def _spec_of(element):
    return map_structure(TensorSpec.from_array, element)


def _with_batch_dimension(spec, size=None):
    return map_structure(lambda s: TensorSpec(
        None if s.shape is None else (size, *s.shape), s.dtype), spec)


def _without_batch_dimension(spec):
    return map_structure(lambda s: TensorSpec(
        None if s.shape is None else s.shape[1:], s.dtype), spec)


def _most_specific(shapes):
    """The shape every shape in `shapes` fits: sizes kept where they agree, else None."""
    shapes = [tuple(s) for s in shapes]
    if len({len(s) for s in shapes}) != 1:
        return None
    return tuple(dims[0] if len(set(dims)) == 1 else None for dims in zip(*shapes))


# ----------------------------------------------------------------------------------------------
# The dataset


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
        return _TensorSlices(tensors)

    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of one element: `tensors` itself."""
        return _Elements([_as_structure(tensors)])

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """The elements `generator()` yields (called again for every pass), checked against
        `output_signature` (or Keras 2's `output_types` and `output_shapes`)."""
        return _FromGenerator(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def range(*args, dtype=np.int64, name=None):
        """`start, stop, step` as Python's `range` takes them, as int64 scalars."""
        return _Range(range(*args), dtype)

    @staticmethod
    def zip(*args, datasets=None, name=None):
        """Elements made of one element of each dataset, in the structure the datasets are
        given (`zip(a, b)`, `zip((a, b))`, `zip({"x": a, "y": b})`); stops with the shortest."""
        if datasets is None:
            datasets = args[0] if len(args) == 1 else args
        elif args:
            raise TypeError("Both `*args` and `datasets` cannot be set.")
        return _Zip(datasets)

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
        return _Batch(self, _positive(batch_size, "Batch size"), drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batches of elements padded at the end of each axis to the longest in the batch, or
        to `padded_shapes` (None or -1 for the longest), with `padding_values` (0, `b""`)."""
        return _PaddedBatch(self, _positive(batch_size, "Batch size"), padded_shapes,
                            padding_values, drop_remainder)

    def unbatch(self, name=None):
        """The rows of each element, one element each."""
        return _Unbatch(self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Elements in random order: each is drawn uniformly from a buffer of the next
        `buffer_size`, so order is only mixed within that reach. A new order every pass,
        unless `reshuffle_each_iteration=False`; `seed` (or `tf.random.set_seed`) repeats it."""
        reshuffle = True if reshuffle_each_iteration is None else reshuffle_each_iteration
        return _Shuffle(self, _positive(buffer_size, "buffer_size"), seed, reshuffle)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """`map_func` applied to every element (a tuple element gives its parts as arguments);
        it runs in this thread, in order, whatever `num_parallel_calls` says."""
        return _Map(self, map_func)

    def filter(self, predicate, name=None):
        """The elements for which `predicate` is true."""
        return _Filter(self, predicate)

    def flat_map(self, map_func, name=None):
        """The elements of the datasets `map_func` returns, one after the other."""
        return _FlatMap(self, map_func)

    def repeat(self, count=None, name=None):
        """The elements `count` times over (forever when None or -1)."""
        return _Repeat(self, None if count is None or count < 0 else int(count))

    def take(self, count, name=None):
        """The first `count` elements (all of them when -1)."""
        return _Take(self, int(count))

    def skip(self, count, name=None):
        """All but the first `count` elements (none when -1)."""
        return _Skip(self, int(count))

    def cache(self, filename="", name=None):
        """The elements of the first complete pass, kept in memory and replayed after.
        A `filename` is accepted; the cache is in memory all the same."""
        return _Cache(self)

    def prefetch(self, buffer_size, name=None):
        """The same elements. TensorFlow prepares the next ones in the background; here the
        pipeline runs when the model asks for data."""
        return self

    def enumerate(self, start=0, name=None):
        """`(index, element)` pairs, the index an int64 counting from `start`."""
        return Dataset.zip(Dataset.range(start, np.iinfo(np.int64).max), self)

    def concatenate(self, dataset, name=None):
        """The elements of this dataset, then those of `dataset` (of the same structure)."""
        return _Concatenate(self, dataset)

    def apply(self, transformation_func):
        return transformation_func(self)

    def with_options(self, options, name=None):
        return self

    def as_numpy_iterator(self):
        """The elements as numpy values (rank 0 as numpy scalars, strings as `bytes`)."""
        for element in self._elements():
            yield map_structure(_as_numpy, element)

    def __iter__(self):
        for element in self._elements():
            yield _as_tensors(element)

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
        return f"<{type(self).__name__}Dataset element_spec={self.element_spec}>"

    # -- for subclasses -------------------------------------------------------------------------

    indexed = False  # whether elements are rows of `_arrays()`, visited in `_indices()` order


def _positive(value, what):
    value = int(value)
    if value <= 0:
        raise ValueError(f"{what} must be greater than zero.")
    return value


# ----------------------------------------------------------------------------------------------
# Sources


class _TensorSlices(Dataset):
    def __init__(self, tensors):
        self._template = _as_structure(tensors)
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
        return _rows_of(self)

    def _cardinality(self):
        return self._size

    def _element_spec(self):
        return _without_batch_dimension(_spec_of(self._template))


def _rows_of(dataset):
    """The elements of an indexed dataset, one row at a time."""
    template = dataset._arrays()
    leaves = flatten(template)
    for index in dataset._indices():
        yield pack_as(template, [leaf[index, ...] for leaf in leaves])


def _gather(template, indices):
    """The rows `indices` of every array of `template`, as one batch."""
    if len(indices) and indices[-1] - indices[0] == len(indices) - 1 and (
            np.all(np.diff(indices) == 1)):
        rows = slice(int(indices[0]), int(indices[-1]) + 1)  # consecutive rows: views
        return map_structure(lambda leaf: leaf[rows], template)
    return map_structure(lambda leaf: np.take(leaf, indices, axis=0), template)


class _Elements(Dataset):
    """A few elements already in memory (`from_tensors`)."""

    def __init__(self, elements):
        self._items = list(elements)

    def _elements(self):
        return iter(self._items)

    def _cardinality(self):
        return len(self._items)

    def _element_spec(self):
        return _spec_of(self._items[0])


class _Range(Dataset):
    def __init__(self, numbers, dtype):
        self._numbers, self._dtype = numbers, np.dtype(dtype)

    def _elements(self):
        dtype = self._dtype
        return (np.array(n, dtype) for n in self._numbers)

    def _cardinality(self):
        return len(self._numbers)

    def _element_spec(self):
        return TensorSpec((), self._dtype)


class _FromGenerator(Dataset):
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
                shapes = map_structure(lambda _: None, _as_spec_template(output_types))
            signature = _zip_structures(
                lambda dtype, shape: TensorSpec(shape, dtype),
                _as_spec_template(output_types), _as_spec_template(shapes, output_types))
        else:
            raise TypeError(
                "The `output_types` argument can not be None when `output_signature` is not "
                "specified.")
        self._generator, self._args = generator, tuple(args or ())
        self._signature = _as_spec_template(signature)

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


def _as_spec_template(structure, like=None):
    """A user's `output_signature` / `output_types` / `output_shapes` as a structure: lists
    are tuples; with `like`, a shape given as a list of sizes stays one leaf."""
    if like is not None and not isinstance(like, (tuple, list, dict)):
        return structure  # a shape for one component
    if isinstance(structure, dict):
        return {k: _as_spec_template(v, None if like is None else like[k])
                for k, v in structure.items()}
    if isinstance(structure, (tuple, list)) and (like is not None or any(
            isinstance(item, (tuple, list, dict, TensorSpec, np.dtype, type)) or item is None
            for item in structure) or not structure):
        items = structure if like is None else zip(structure, like)
        if like is None:
            return tuple(_as_spec_template(item) for item in structure)
        return tuple(_as_spec_template(item, sub) for item, sub in items)
    return structure


def _zip_structures(function, first, second):
    if isinstance(first, dict):
        return {k: _zip_structures(function, first[k], second[k]) for k in first}
    if _is_tuple(first):
        return tuple(_zip_structures(function, a, b) for a, b in zip(first, second))
    return function(first, second)


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


# ----------------------------------------------------------------------------------------------
# Transformations


class _Transformed(Dataset):
    """A dataset made from one input dataset."""

    def __init__(self, input_dataset):
        if not isinstance(input_dataset, Dataset):
            raise TypeError(f"Expected a Dataset, got {input_dataset!r}")
        self._input = input_dataset

    def _cardinality(self):
        return self._input._cardinality()

    def _element_spec(self):
        return self._input._element_spec()


class _Reordering(_Transformed):
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
        return _rows_of(self) if self.indexed else self._reorder(self._input._elements)

    def _reorder(self, fresh):
        """The new order of the items of `fresh()`, a fresh iterator over the input's."""
        raise NotImplementedError


class _Batch(_Transformed):
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
        return _with_batch_dimension(self._input._element_spec(), size)


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


class _PaddedBatch(_Batch):
    def __init__(self, input_dataset, size, padded_shapes, padding_values, drop_remainder):
        super().__init__(input_dataset, size, drop_remainder)
        spec = input_dataset._element_spec()
        if padded_shapes is None:  # every axis to the longest in its batch
            padded_shapes = map_structure(lambda s: (None,) * len(s.shape), spec)
        elif not isinstance(spec, (tuple, dict)):
            padded_shapes = TensorShape(padded_shapes)
        self._shapes = _zip_structures(lambda s, shape: TensorShape(shape), spec,
                                       _as_spec_template(padded_shapes, spec))
        if padding_values is None:
            padding_values = map_structure(lambda s: b"" if s.dtype == object else 0, spec)
        self._values = _zip_structures(lambda s, value: value, spec,
                                       _as_spec_template(padding_values, spec))

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
        return _zip_structures(lambda s, shape: TensorSpec((size, *shape), s.dtype), spec,
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


class _Unbatch(_Transformed):
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
        return _without_batch_dimension(self._input._element_spec())


class _Shuffle(_Reordering):
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


class _Map(_Transformed):
    def __init__(self, input_dataset, function):
        super().__init__(input_dataset)
        if not callable(function):
            raise TypeError(f"`map_func` must be callable, got {function!r}")
        self._function = function
        self._spec = None

    def _elements(self):
        function = self._function
        for element in self._input._elements():
            yield _as_structure(_call(function, element), lists_are_tuples=True)

    def _element_spec(self):
        # TensorFlow traces the function; here it runs on the first element once.
        if self._spec is None:
            first = next(iter(self._elements()), None)
            if first is None:
                raise ValueError("The element_spec of a map over an empty dataset is unknown.")
            input_spec = self._input._element_spec()
            batched = all(s.shape and s.shape[0] is None for s in flatten(input_spec))
            self._spec = _spec_of(first)
            if batched:  # a map over batches: keep the batch size unknown
                self._spec = map_structure(lambda s: TensorSpec(
                    (None, *s.shape[1:]) if s.shape else s.shape, s.dtype), self._spec)
        return self._spec


class _Filter(_Transformed):
    def __init__(self, input_dataset, predicate):
        super().__init__(input_dataset)
        self._predicate = predicate

    def _elements(self):
        predicate = self._predicate
        for element in self._input._elements():
            keep = np.asarray(_call(predicate, element))
            if keep.shape != () or keep.dtype != bool:
                raise ValueError("Invalid `predicate`. `predicate` must return a `tf.bool` "
                                 "scalar tensor, but its return type is "
                                 f"{TensorSpec.from_array(keep)}.")
            if keep:
                yield element

    def _cardinality(self):
        return UNKNOWN_CARDINALITY  # even of an infinite stream: it may keep nothing


class _FlatMap(_Map):
    def _elements(self):
        for element in self._input._elements():
            yield from _call(self._function, element)._elements()

    def _cardinality(self):
        return UNKNOWN_CARDINALITY


class _Repeat(_Reordering):
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


class _Take(_Reordering):
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


class _Skip(_Take):
    def _reorder(self, fresh):
        return iter(()) if self._count < 0 else itertools.islice(fresh(), self._count, None)

    def _cardinality(self):
        count = self._input._cardinality()
        if count < 0:
            return count
        return 0 if self._count < 0 else max(count - self._count, 0)


class _Cache(_Transformed):
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


class _Zip(Dataset):
    def __init__(self, datasets):
        self._datasets = _as_spec_template(datasets)
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


class _Concatenate(Dataset):
    def __init__(self, first, second):
        first_spec, second_spec = first._element_spec(), second._element_spec()
        first_leaves, second_leaves = flatten(first_spec), flatten(second_spec)
        if len(first_leaves) != len(second_leaves) or any(
                a.dtype != b.dtype for a, b in zip(first_leaves, second_leaves)):
            raise TypeError(f"Incompatible dataset elements:\n  {first_spec} vs.\n  "
                            f"{second_spec}")
        self._parts = (first, second)
        self._spec = pack_as(first_spec, [
            TensorSpec(_most_specific([a.shape, b.shape]) if a.shape is not None
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


# ----------------------------------------------------------------------------------------------
# The `tf.data` namespace


class Options:
    """Accepted for `with_options`; there is nothing to tune."""

    def __init__(self):
        self.experimental_deterministic = True
        self.deterministic = True


def cardinality(input_dataset):
    """`tf.data.experimental.cardinality(ds)`: the same as `ds.cardinality()`."""
    return input_dataset.cardinality()


experimental = types.ModuleType(f"{__name__}.experimental", "tf.data.experimental")
experimental.__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY",
                         "cardinality"]
experimental.__dict__.update(
    AUTOTUNE=AUTOTUNE, INFINITE_CARDINALITY=INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY=UNKNOWN_CARDINALITY, cardinality=cardinality)

# `tf.data`'s public names (the helpers above serve this module and minikeras' utilities).
__all__ = ["AUTOTUNE", "Dataset", "INFINITE_CARDINALITY", "Options", "UNKNOWN_CARDINALITY",
           "experimental"]
