"""`tf.TensorSpec`, the spec of each component of an element (`element_spec`), and the
structures users give as signatures (`output_signature`, `padded_shapes`)."""

import numpy as np

from minikeras.compat.tf_data.structures import map_structure
from minikeras.compat.tf_data.tensor_shape import TensorShape


_TF_NAMES = {np.dtype(object): "string", np.dtype(bool): "bool"}


def dtype_name(dtype):
    """TensorFlow's name for a dtype: "float32", "string" for text."""
    dtype = np.dtype(dtype)
    return _TF_NAMES.get(dtype, dtype.name)


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


def spec_of(element):
    return map_structure(TensorSpec.from_array, element)


def with_batch_dimension(spec, size=None):
    return map_structure(lambda s: TensorSpec(
        None if s.shape is None else (size, *s.shape), s.dtype), spec)


def without_batch_dimension(spec):
    return map_structure(lambda s: TensorSpec(
        None if s.shape is None else s.shape[1:], s.dtype), spec)


def most_specific(shapes):
    """The shape every shape in `shapes` fits: sizes kept where they agree, else None."""
    shapes = [tuple(s) for s in shapes]
    if len({len(s) for s in shapes}) != 1:
        return None
    return tuple(dims[0] if len(set(dims)) == 1 else None for dims in zip(*shapes))


def as_spec_template(structure, like=None):
    """A user's `output_signature` / `output_types` / `output_shapes` as a structure: lists
    are tuples; with `like`, a shape given as a list of sizes stays one leaf."""
    if like is not None and not isinstance(like, (tuple, list, dict)):
        return structure  # a shape for one component
    if isinstance(structure, dict):
        return {k: as_spec_template(v, None if like is None else like[k])
                for k, v in structure.items()}
    if isinstance(structure, (tuple, list)) and (like is not None or any(
            isinstance(item, (tuple, list, dict, TensorSpec, np.dtype, type)) or item is None
            for item in structure) or not structure):
        items = structure if like is None else zip(structure, like)
        if like is None:
            return tuple(as_spec_template(item) for item in structure)
        return tuple(as_spec_template(item, sub) for item, sub in items)
    return structure
