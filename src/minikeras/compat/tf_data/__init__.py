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

from minikeras.compat.tf_data import experimental
from minikeras.compat.tf_data.dataset import (AUTOTUNE, INFINITE_CARDINALITY,
                                              UNKNOWN_CARDINALITY, Dataset)
from minikeras.compat.tf_data.options import Options
from minikeras.compat.tf_data.specs import TensorSpec, dtype_name  # noqa: F401
from minikeras.compat.tf_data.structures import flatten, map_structure, pack_as  # noqa: F401
from minikeras.compat.tf_data.tensor_shape import TensorShape  # noqa: F401
from minikeras.compat.tf_data.values import to_array  # noqa: F401

# `tf.data`'s public names (the others serve the `tensorflow` stand-in and minikeras' utilities).
__all__ = ["AUTOTUNE", "Dataset", "INFINITE_CARDINALITY", "Options", "UNKNOWN_CARDINALITY",
           "experimental"]
