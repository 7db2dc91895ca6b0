"""HDF5 access shared by both Keras layouts (`.weights.h5` and legacy `.h5`), hardened.

Reading trusts nothing in the file:

- Before libhdf5 sees a file, its global heap collections (where variable-length strings such
  as `model_config` live) are checked (`check_global_heaps`): libhdf5 walks a collection's
  objects by their sizes and loops forever on an object of size 0, so one changed byte can hang
  any reader. The walk is done here first, in bounded time, and a damaged collection refused.
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
import mmap
import os
import re

import numpy as np

# Keras splits attributes above this size (the HDF5 object header limit).
HDF5_OBJECT_HEADER_LIMIT = 64512
# The datasets one load reads may declare more bytes than they store (compression) only up to
# this ratio, or this floor; an attribute, up to `_ATTRIBUTE_FLOOR_BYTES`.
_UNBACKED_FLOOR_BYTES = 1 << 24
_MAX_EXPANSION = 16
_ATTRIBUTE_FLOOR_BYTES = 1 << 20
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# A global heap collection: "GCOL", version 1, three reserved zero bytes, then its size.
_HEAP_SIGNATURE = b"GCOL\x01\x00\x00\x00"


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

    A file opened for reading has its global heaps checked first (`check_global_heaps`).
    """
    if mode == "r":
        check_global_heaps(source, filepath)
    try:
        return h5py().File(io.BytesIO(source) if isinstance(source, bytes) else source, mode)
    except OSError as error:
        if mode != "r" or isinstance(error, FileNotFoundError):
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


def check_global_heaps(source, filepath):
    """Raise ValueError if a global heap collection in `source` (path or bytes) would make
    libhdf5 loop forever or read past the collection, or a variable-length string pointing
    into one declares more bytes than its heap object holds.

    libhdf5 reads a collection ("GCOL") by stepping from object to object by each object's
    stored size; a free-space object (index 0) of size 0 never advances, and the library spins
    in `H5HG__cache_heap_deserialize` while holding h5py's lock (a stored Keras 2 file with one
    byte changed does it). Which collections a file uses is only known by parsing the file, so
    every place the signature appears is walked as libhdf5 would walk it: a damaged one is
    refused, naming its offset. The walk takes time linear in the collection, and a collection
    must lie inside the file.

    A variable-length string is stored as a descriptor: its length (4 bytes), then its heap
    object's collection address and index; libhdf5 allocates the declared length (up to 4 GB)
    before it reads the object. Each descriptor is found by the address and index of an
    object of a sound collection, and one declaring more than the object holds is refused.
    """
    with _bytes_of(source) as data:
        offsets, lengths = _address_sizes(data)
        start = data.find(_HEAP_SIGNATURE)
        while start >= 0:
            problem, objects = _walk_heap(data, start, lengths)
            if problem:
                raise ValueError(
                    f"'{filepath}' is damaged: the HDF5 global heap collection at byte {start} "
                    f"{problem}. Refusing to read it (libhdf5 would loop forever or read beyond "
                    "it)."
                )
            _check_descriptors(data, start, objects, offsets, filepath)
            start = data.find(_HEAP_SIGNATURE, start + 1)


def _check_descriptors(data, start, objects, offsets, filepath):
    """Refuse a string descriptor pointing at an object of the collection at `start` (of
    objects `{index: size}`) that declares more bytes than the object holds."""
    address = start.to_bytes(offsets, "little")
    at = data.find(address, 4)
    while at >= 0:
        index = int.from_bytes(data[at + offsets:at + offsets + 4], "little")
        if index in objects:
            declared = int.from_bytes(data[at - 4:at], "little")
            if declared > objects[index]:
                raise ValueError(
                    f"'{filepath}' is damaged: a variable-length string at byte {at - 4} "
                    f"declares {declared} bytes, where its heap object holds "
                    f"{objects[index]}. Refusing to read it (libhdf5 would allocate the "
                    "declared size first)."
                )
        at = data.find(address, at + 1)


@contextlib.contextmanager
def _bytes_of(source):
    """`source`'s bytes: the bytes themselves, or a read-only map of the file."""
    if isinstance(source, bytes):
        yield source
        return
    with open(source, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            yield b""
            return
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data


def _address_sizes(data):
    """The superblock's "size of offsets" and "size of lengths" (8 unless the file says
    otherwise)."""
    if data[:8] != HDF5_SIGNATURE or len(data) < 16:
        return 8, 8
    # Superblock versions 0 and 1 keep them at bytes 13 and 14, versions 2 and 3 at 9 and 10.
    at = 13 if data[8] in (0, 1) else 9
    return tuple(size if size in (2, 4, 8) else 8 for size in (data[at], data[at + 1]))


def _walk_heap(data, start, lengths):
    """`(what is wrong with the collection at start, or None; its objects {index: size})`,
    walked as libhdf5 walks it."""
    header = 8 + lengths  # signature, version, reserved, size
    object_header = 8 + lengths  # index (2), reference count (2), reserved (4), size
    size = int.from_bytes(data[start + 8:start + header], "little")
    end = start + size
    objects = {}
    if end > len(data):
        return f"declares {size} bytes, past the end of the file ({len(data)} bytes)", objects
    position = start + header
    while position < end:
        if position + object_header > end:
            return None, objects  # a tail too small for an object header is free space
        index = int.from_bytes(data[position:position + 2], "little")
        length = int.from_bytes(data[position + 8:position + object_header], "little")
        # Objects are padded to 8 bytes; the free-space object (index 0) counts its header.
        step = object_header + (length + 7) // 8 * 8 if index else length
        if step == 0:
            return f"holds a free-space object of size 0 at byte {position}", objects
        if position + step > end:
            return f"holds an object at byte {position} of {length} bytes, past its end", objects
        if index:
            objects[index] = length
        position += step
    return None, objects


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
