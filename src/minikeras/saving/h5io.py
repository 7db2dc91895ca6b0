"""HDF5 access shared by both Keras layouts (`.weights.h5` and legacy `.h5`), hardened.

Reading follows hard links only (an HDF5 soft or external link, external raw storage or a virtual
dataset could make a "weights" file read other files), accepts numeric datasets only, and
refuses a dataset whose declared size is not backed by bytes in the file (a tiny file declaring
a huge compressed or unwritten dataset would otherwise exhaust memory when read).

Writing follows Keras' storage choices: contiguous uncompressed datasets, `str` attributes as
variable-length UTF-8, name lists as variable-length ASCII `bytes`, an empty name list as a
float64 array of shape (0,), and lists over 64512 bytes split into `name0`, `name1`, ...
"""

import io

import numpy as np

# Keras splits attributes above this size (the HDF5 object header limit).
HDF5_OBJECT_HEADER_LIMIT = 64512
# A dataset may declare more bytes than it stores (compression) only below this floor or ratio.
_UNBACKED_FLOOR_BYTES = 1 << 26
_MAX_EXPANSION = 100
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


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
    """An `h5py.File` on a path or on bytes; `OSError` naming `filepath` if it is not HDF5."""
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
    stored = dataset.id.get_storage_size()
    if declared > _UNBACKED_FLOOR_BYTES and declared > _MAX_EXPANSION * stored:
        raise ValueError(
            f"{where}: the dataset '{path}' declares shape {dataset.shape} ({declared} bytes) "
            f"but stores only {stored} bytes; refusing to allocate it."
        )
    return dataset


def read_strings(node, name, where):
    """A list-of-names attribute (`layer_names`, `weight_names`), joined from its chunks."""
    attrs = node.attrs
    if name in attrs:
        chunks = [attrs[name]]
    else:
        chunks = []
        while f"{name}{len(chunks)}" in attrs:
            chunks.append(attrs[f"{name}{len(chunks)}"])
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
    value = node.attrs[name]
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    return _text(value, where, name)


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
