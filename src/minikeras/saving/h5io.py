"""HDF5 access shared by both Keras layouts (`.weights.h5` and legacy `.h5`), hardened.

Reading trusts nothing in the file:

- Variable-length strings (`model_config`, names) are checked from the file's bytes before
  libhdf5 reads them (`h5strings`): one changed byte in their global heap can make libhdf5 loop
  forever, and one in a string's stored length makes it allocate up to 4 GB.
- Only hard links are followed (an HDF5 soft or external link, external raw storage or a
  virtual dataset could make a "weights" file read other files), only numeric datasets read.
- What a load reads is bounded by what the file stores (`read_budget`): the datasets read
  during one load may declare at most `_MAX_EXPANSION` times the bytes they store, plus
  `_UNBACKED_FLOOR_BYTES` (a tiny file declaring huge compressed or never-written datasets would
  otherwise exhaust memory when read); attributes likewise, before their values are read.

Writing follows Keras' storage choices: contiguous uncompressed datasets, `str` attributes as
variable-length UTF-8, name lists as variable-length ASCII `bytes`, an empty name list as a
float64 array of shape (0,), and lists over 64512 bytes split into `name0`, `name1`, ...
"""

import contextlib
import contextvars
import errno
import io
import os
import re

import numpy as np

from minikeras.saving import h5strings
from minikeras.saving.h5strings import HDF5_SIGNATURE

# Keras splits attributes above this size (the HDF5 object header limit).
HDF5_OBJECT_HEADER_LIMIT = 64512
# The datasets one load reads may declare more bytes than they store (compression) only up to
# this ratio, or this floor; an attribute, up to `_ATTRIBUTE_FLOOR_BYTES`.
_UNBACKED_FLOOR_BYTES = 1 << 24
_MAX_EXPANSION = 16
_ATTRIBUTE_FLOOR_BYTES = 1 << 20


def h5py():
    try:
        import h5py  # lazily: `import minikeras` must stay fast
    except ImportError:  # Pyodide and other installs without it
        raise ImportError(
            "Saving and loading model and weights files needs h5py, which is not installed: "
            "`pip install h5py`."
        ) from None
    return h5py


def open_file(source, filepath, mode="r"):
    """An `h5py.File` on a path or on bytes; `OSError` naming `filepath` if it is not HDF5.

    A file opened for reading has its global heaps checked before libhdf5 opens it, and every
    variable-length string libhdf5 could read from it before it is returned (`h5strings`).
    """
    if mode != "r":
        return h5py().File(io.BytesIO(source) if isinstance(source, bytes) else source, mode)
    with h5strings.file_bytes(source) as data:
        heaps = h5strings.check_global_heaps(data, filepath)
        h5file = _open_for_reading(source, filepath)
        try:
            h5strings.check_descriptors(h5file, data, heaps, filepath)
        except BaseException:
            h5file.close()
            raise
    return h5file


def _open_for_reading(source, filepath):
    try:
        return h5py().File(io.BytesIO(source) if isinstance(source, bytes) else source, "r")
    except OSError as error:
        if isinstance(error, FileNotFoundError):
            raise
        head = _head(source)
        found = ("an HDF5 file that is damaged or truncated" if head == HDF5_SIGNATURE
                 else f"a file starting with {head!r}, not HDF5's signature {HDF5_SIGNATURE!r}")
        raise OSError(
            f"Unable to open '{filepath}' as an HDF5 file ({error}); found {found}."
        ) from None


@contextlib.contextmanager
def create_file(target):
    """A new `h5py.File` to write at `target` (a path or a buffer). A failed write (a full
    disk) is an `OSError` with the system's errno, where h5py raises `RuntimeError` on close."""
    try:
        with h5py().File(target, "w") as h5file:
            yield h5file
    except RuntimeError as error:
        found = re.search(r"errno = (\d+)", str(error))
        code = int(found.group(1)) if found else errno.EIO
        raise OSError(code, f"{os.strerror(code)} (HDF5: {error})") from error


# The budget of the load in progress (see `read_budget`); None outside a load.
_budget = contextvars.ContextVar("minikeras_read_budget", default=None)


class _ReadBudget:
    """The bytes declared and stored by the datasets read so far during one load."""

    def __init__(self):
        self.declared = 0
        self.stored = 0

    def charge(self, declared, stored, what):
        self.declared += declared
        self.stored += stored
        if self.declared > max(_UNBACKED_FLOOR_BYTES, _MAX_EXPANSION * self.stored):
            raise ValueError(
                f"{what} declares {declared} bytes but the file stores only {stored} for it "
                f"({self.declared} bytes declared, {self.stored} stored by the arrays read so "
                "far); refusing to allocate it."
            )


@contextlib.contextmanager
def read_budget():
    """Within this block, all datasets read share one budget: together they may declare at
    most `_MAX_EXPANSION` times the bytes they store, or `_UNBACKED_FLOOR_BYTES`."""
    token = _budget.set(_ReadBudget())
    try:
        yield
    finally:
        _budget.reset(token)


def _head(source):
    if isinstance(source, bytes):
        return source[:8]
    try:
        with open(source, "rb") as f:
            return f.read(8)
    except OSError:
        return b""


def resolve(group, path, where):
    """The group or dataset at `path` (relative, `/`-separated) below `group`, or None.

    Every step must be a hard link inside this file.
    """
    node = group
    for part in path.split("/"):
        if part in ("", ".") or not isinstance(node, h5py().Group):
            return None
        link = node.get(part, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py().HardLink):
            raise ValueError(
                f"{where}: '{path}' is a {type(link).__name__}; only objects stored in the "
                "file itself are read (no soft or external links)."
            )
        node = node[part]
    return node


def group_at(group, path, where):
    """Like `resolve`, but the result must be a group (or None)."""
    node = resolve(group, path, where)
    if node is not None and not isinstance(node, h5py().Group):
        raise ValueError(f"{where}: expected a group at '{path}', found a dataset.")
    return node


def read_array(group, path, where):
    """The numeric array stored at `path` below `group`, checked before anything is read."""
    return np.asarray(dataset_at(group, path, where)[()])


def dataset_at(group, path, where):
    """The numeric dataset at `path` below `group`, checked as `read_array` checks it, unread."""
    dataset = resolve(group, path, where)
    if dataset is None:
        raise ValueError(f"{where}: the dataset '{path}' is missing.")
    if not isinstance(dataset, h5py().Dataset):
        raise ValueError(f"{where}: expected a dataset at '{path}', found a group.")
    if dataset.dtype.kind not in "fiu":
        raise ValueError(
            f"{where}: the dataset '{path}' has dtype {dataset.dtype}; expected a numeric array."
        )
    if dataset.external or dataset.is_virtual:
        raise ValueError(f"{where}: the dataset '{path}' stores its data outside the file.")
    declared = int(np.prod(dataset.shape, dtype=np.float64)) * dataset.dtype.itemsize
    budget = _budget.get() or _ReadBudget()
    budget.charge(declared, _stored_bytes(dataset, where, path),
                  f"{where}: the dataset '{path}' of shape {dataset.shape}")
    return dataset


def _stored_bytes(dataset, where, path):
    """The bytes `dataset` really stores: what its layout message says, which a damaged file
    can inflate, is believed only as far as the file's own size allows."""
    stored, size = dataset.id.get_storage_size(), dataset.file.id.get_filesize()
    offset = dataset.id.get_offset()  # None unless contiguous and allocated
    if offset is not None and offset + stored > size:
        raise ValueError(
            f"{where}: the dataset '{path}' says it stores {stored} bytes at byte {offset}, past "
            f"the end of the file ({size} bytes)."
        )
    return min(stored, size)


def read_strings(node, name, where):
    """A list-of-names attribute (`layer_names`, `weight_names`), joined from its chunks."""
    attrs = node.attrs
    if name in attrs:
        chunks = [_attribute(node, name, where)]
    else:
        chunks = []
        while f"{name}{len(chunks)}" in attrs:
            chunks.append(_attribute(node, f"{name}{len(chunks)}", where))
        if not chunks:
            return None
    names = []
    for chunk in chunks:
        values = np.atleast_1d(np.asarray(chunk))
        if values.size and values.dtype.kind not in "OSU":
            raise ValueError(
                f"{where}: the attribute '{name}' holds {values.dtype} values; expected names."
            )
        names.extend(_text(value, where, name) for value in values.ravel())
    return names


def read_string(node, name, where):
    """A scalar text attribute (`model_config`, `keras_version`, `@name`), or None."""
    if name not in node.attrs:
        return None
    value = _attribute(node, name, where)
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    return _text(value, where, name)


def _attribute(node, name, where):
    """The value of an attribute, after checking that its declared size is stored."""
    attribute = node.attrs.get_id(name)
    if h5py().check_string_dtype(attribute.dtype) is None and attribute.dtype.kind not in "biuf":
        # Keras stores text and numbers only; other types (a variable-length sequence made
        # of a string by one changed byte) can crash libhdf5's conversion when read.
        vlen = h5py().check_vlen_dtype(attribute.dtype)
        sequence = ", a variable-length sequence" if vlen else ""
        raise ValueError(
            f"{where}: the attribute '{name}' has the type {attribute.dtype!r}{sequence}; "
            "expected text or numbers."
        )
    count = int(np.prod(attribute.shape or (), dtype=np.float64))
    declared = count * attribute.dtype.itemsize
    try:
        stored = attribute.get_storage_size()
    except RuntimeError:  # h5py reports an empty attribute's 0 bytes as an error
        stored = 0
    if declared > max(_ATTRIBUTE_FLOOR_BYTES, _MAX_EXPANSION * stored):
        raise ValueError(
            f"{where}: the attribute '{name}' declares {count} values ({declared} bytes) but "
            f"stores {stored} bytes; refusing to read it."
        )
    return node.attrs[name]


def _text(value, where, name):
    if isinstance(value, (bytes, np.bytes_)):
        try:
            return bytes(value).decode("utf8")
        except UnicodeDecodeError:
            raise ValueError(f"{where}: the attribute '{name}' is not valid UTF-8.") from None
    if isinstance(value, str):
        return str(value)
    raise ValueError(
        f"{where}: the attribute '{name}' holds {type(value).__name__}; expected text."
    )


def write_strings(group, name, values):
    """Store names as Keras does: ASCII bytes, split in chunks above the header limit."""
    data = [value.encode("utf8") for value in values]
    if not data:
        group.attrs[name] = np.asarray([])
        return
    if any(len(item) > HDF5_OBJECT_HEADER_LIMIT for item in data):
        raise ValueError(
            f"Cannot save the attribute '{name}' to HDF5: a name is longer than "
            f"{HDF5_OBJECT_HEADER_LIMIT} bytes."
        )
    array = np.asarray(data)
    parts = [array]
    while any(part.nbytes > HDF5_OBJECT_HEADER_LIMIT for part in parts):
        parts = np.array_split(array, len(parts) + 1)
    if len(parts) == 1:
        group.attrs[name] = data
    else:
        for index, part in enumerate(parts):
            group.attrs[f"{name}{index}"] = part


def write_array(group, path, value):
    """A contiguous, uncompressed dataset, as Keras writes weights."""
    value = np.asarray(value)
    group.create_dataset(path, data=value)
