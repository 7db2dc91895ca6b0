"""Mutated real Keras files, and what the loaders do with each (no pytest in this module).

`mutants(format, count, seed)` yields `(description, bytes)`: copies of a file real Keras saved
(compat/data/files/) with a few bytes overwritten where the HDF5 metadata lives (not inside
the raw weight data, where a changed byte only changes a weight), truncated, or, for `.keras`
archives, with a member's bytes or its JSON config edited and the archive re-zipped with valid
checksums (flipped bytes in a zip are caught by its CRCs before anything is parsed).

`outcome(path, format)` loads the file as its format is loaded and inspects it with
`minikeras inspect`, and names the result: "loaded", "refused" (a ValueError or OSError naming
the file), "unnamed" (one that does not name it), or the type of any other exception.

Used by tests/test_loader_safety.py (a few hundred mutants per format, in one child process
with a time limit) and bench/fuzz_loaders.py (thousands, each in its own process, counting
hangs and memory as well).
"""

import io
import json
import pathlib
import warnings
import zipfile

import numpy as np

FILES = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data" / "files"
# format -> the file Keras saved that its mutants start from
SOURCES = {
    "h5": "k2_adam.h5",                      # tf_keras model.save("m.h5")
    "keras": "k3_adam.keras",                # Keras 3 model.save("m.keras")
    "weights.h5": "k3_adam.weights.h5",      # Keras 3 save_weights
    "legacy_weights.h5": "k2_adam_weights.h5",  # tf_keras save_weights("w.h5")
}
# The model whose architecture the weights files fit (saved by the same Keras).
ARCHITECTURE = {"weights.h5": "k3_adam.keras", "legacy_weights.h5": "k2_adam.h5"}
# A global heap collection's signature: where variable-length strings live.
HEAP = b"GCOL\x01\x00\x00\x00"
HOSTILE_JSON = [None, -1, 0, 10 ** 12, 2 ** 63, 1e308, "", "Lambda", "../x", [], {}, [None] * 3,
                {"class_name": "Dense"}, {"class_name": "__numpy__", "config": {"value": [1]}}]


def metadata_offsets(data):
    """The byte offsets of an HDF5 file that are not raw dataset data (contiguous layout)."""
    import h5py

    raw = np.zeros(len(data), dtype=bool)
    with h5py.File(io.BytesIO(data), "r") as f:
        def mark(_, node):
            if isinstance(node, h5py.Dataset) and node.id.get_offset() is not None:
                start = node.id.get_offset()
                raw[start:start + node.id.get_storage_size()] = True
        f.visititems(mark)
    return np.flatnonzero(~raw)


def heap_objects(data, start=None):
    """`[(offset, index, size)]` of the objects in the global heap collection at `start` (by
    default, the file's first)."""
    start = data.find(HEAP) if start is None else start
    end = start + int.from_bytes(data[start + 8:start + 16], "little")
    objects, position = [], start + 16
    while position + 16 <= end:
        index = int.from_bytes(data[position:position + 2], "little")
        size = int.from_bytes(data[position + 8:position + 16], "little")
        objects.append((position, index, size))
        position += 16 + (size + 7) // 8 * 8 if index else size
    return objects


def descriptors_of(data, text=b""):
    """The offsets of the descriptors (a 4-byte length, the collection's address, the object's
    index) of the variable-length strings whose text starts with `text` (all by default)."""
    found = []
    start = data.find(HEAP)
    while start >= 0:
        for offset, index, size in heap_objects(data, start):
            if index and data[offset + 16:offset + 16 + size].startswith(text):
                pattern = start.to_bytes(8, "little") + index.to_bytes(4, "little")
                at = data.find(pattern)
                while at >= 0:
                    assert int.from_bytes(data[at - 4:at], "little") == size
                    found.append(at - 4)
                    at = data.find(pattern, at + 1)
        start = data.find(HEAP, start + 1)
    assert found
    return found


def string_offsets(data):
    """The bytes of every variable-length string descriptor: where `kind="strings"` mutates."""
    return np.asarray(sorted({at + i for at in descriptors_of(data) for i in range(16)}))


def _flip(data, offsets, rng, limit=4):
    data = bytearray(data)
    changes = []
    for _ in range(rng.integers(1, limit + 1)):
        position = int(rng.choice(offsets))
        data[position] = int(rng.integers(0, 256))
        changes.append(f"{position}={data[position]:#04x}")
    return bytes(data), "bytes " + ", ".join(changes)


def _hdf5_mutant(data, offsets, rng):
    if rng.random() < 0.1:
        size = int(rng.integers(0, len(data)))
        return data[:size], f"truncated to {size} bytes"
    return _flip(data, offsets, rng)


def _edited_json(text, rng):
    config = json.loads(text)
    nodes = [(None, None, config)]
    stack = [config]
    while stack:
        node = stack.pop()
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
            node, list) else ()
        for key, child in children:
            nodes.append((node, key, child))
            stack.append(child)
    parent, key, _ = nodes[int(rng.integers(1, len(nodes)))]
    value = HOSTILE_JSON[int(rng.integers(len(HOSTILE_JSON)))]
    parent[key] = value
    return json.dumps(config).encode(), f"config[..{key!r}] = {json.dumps(value)[:40]}"


def _keras_mutant(members, weight_offsets, rng):
    members = dict(members)
    choice = rng.random()
    if choice < 0.05:
        archive = _zipped(members)
        size = int(rng.integers(0, len(archive)))
        return archive[:size], f"archive truncated to {size} bytes"
    if choice < 0.35:
        members["config.json"], what = _edited_json(members["config.json"], rng)
    elif choice < 0.45:
        offsets = np.arange(len(members["config.json"]))
        members["config.json"], what = _flip(members["config.json"], offsets, rng)
        what = "config.json " + what
    else:
        members["model.weights.h5"], what = _hdf5_mutant(members["model.weights.h5"],
                                                         weight_offsets, rng)
        what = "model.weights.h5 " + what
    return _zipped(members), what


def _zipped(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def mutants(format, count, seed=0, kind="metadata"):
    """`count` mutants `(description, bytes)` of the `format`'s source file: bytes changed
    anywhere in the HDF5 metadata (`kind="metadata"`), or only in the descriptors of its
    variable-length strings (`"strings"`: their lengths and addresses together, rare at
    random)."""
    rng = np.random.default_rng(seed)
    where = metadata_offsets if kind == "metadata" else string_offsets
    data = (FILES / SOURCES[format]).read_bytes()
    if format == "keras":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {info.filename: archive.read(info) for info in archive.infolist()}
        offsets = where(members["model.weights.h5"])
        for _ in range(count):
            yield _keras_mutant(members, offsets, rng)[::-1]
    else:
        offsets = where(data)
        for _ in range(count):
            yield _hdf5_mutant(data, offsets, rng)[::-1]


def architecture(format):
    """The model a weights file of `format` is loaded into (None for model files)."""
    import minikeras as mk

    if format not in ARCHITECTURE:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mk.models.load_model(FILES / ARCHITECTURE[format], compile=False)


def outcome(path, format, model=None):
    """What loading then inspecting `path` gives: the worst of the two outcomes."""
    import minikeras as mk
    from minikeras.saving import file_info

    results = []
    for action in (lambda: (model.load_weights(path) if model is not None
                            else mk.models.load_model(path)),
                   lambda: file_info.describe(path)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                action()
                results.append("loaded")
            except (ValueError, OSError) as error:
                results.append("refused" if str(path) in str(error) else "unnamed")
            except Exception as error:  # what the harness is here to find
                results.append(type(error).__name__)
    return max(results, key=lambda result: ("loaded", "refused").index(result)
               if result in ("loaded", "refused") else 2)
