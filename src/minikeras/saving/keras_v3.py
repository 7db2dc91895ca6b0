"""Keras 3's native formats: the `.keras` archive and the `.weights.h5` file.

A `.keras` file is a zip holding, uncompressed and in this order, `metadata.json`
(`keras_version`, `date_saved`), `config.json` (the model's config; its `compile_config` includes
the optimizer) and `model.weights.h5`. That weights file, which `save_weights("x.weights.h5")`
also writes, addresses layers by class, not by name: the first Dense of a container is
`layers/dense/vars/0, 1, ...`, the second `layers/dense_1/...`, each `vars` group carrying the
real name as `@name`; then come `optimizer/vars/0..` and the model's own, empty, `vars`.
tf_keras writes the same layout without `@name` and without the learning-rate variable, and
Keras 2.13 called the container `_layer_checkpoint_dependencies`; both are read.

A layer that keeps state other than weights (a lookup's vocabulary) has Keras 3's hooks:
`save_own_variables(store)` / `load_own_variables(store)` fill or read its `vars` group as a
dict of named arrays, and `save_assets(dir)` / `load_assets(dir)` write or read files that the
archive holds under `assets/<the layer's path>/`. Sublayers a layer holds as attributes
(TextVectorization's `_lookup_layer`) sit below it at `<path>/<attribute>`, as Keras walks them.

Archive members are read in memory by exact name; nothing else is ever extracted to disk. Only
for a layer's `load_assets` are its own asset members (checked names and sizes) written to a
temporary directory, removed when the hook returns.
"""

import collections
import datetime
import io
import json
import os
import posixpath
import tempfile
import time
import warnings
import zipfile

from minikeras import __version__, backend
from minikeras.saving import atomic, h5io, loading, registry

CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
ASSETS = "assets/"
# The Keras release whose formats minikeras writes (files also record `minikeras_version`).
KERAS_VERSION = "3.15.1"
_MAX_JSON_BYTES = 1 << 26
_MAX_EXPANSION = 100


# ----------------------------------------------------------------------------------------------
# The weights tree


def layer_paths(model, prefix=None):
    """`(layer, path)` for every layer below `model`, depth first, with Keras 3's paths: a
    Sequential's layers under `layers/`, named by class (`dense`, `dense_1`, ...); any other
    layer's sublayers under the names of the attributes holding them, public names in sorted
    order before private ones, a list's or dict's items by class within it. A layer reached
    twice is stored once, at its first path."""
    yield from _layer_paths(model, prefix, set())


def _layer_paths(layer, prefix, visited):
    def join(name):
        return f"{prefix}/{name}" if prefix else name

    if hasattr(layer, "_layers") or hasattr(layer, "_operations"):
        # Sequential and Functional: Keras 3 walks their layer list first
        groups = [("layers", layer.layers)]
    else:
        groups = sorted(_user_attributes(layer), key=lambda item: _name_key(item[0]))
    for name, value in groups:
        if isinstance(value, (list, tuple, dict)):
            used = collections.Counter()
            items = value.values() if isinstance(value, dict) else value
            for item in items:
                if not _is_layer(item):
                    continue
                key = getattr(type(item), "_keras_snake_name", None) or \
                    backend.to_snake_case(type(item).__name__)
                path = join(f"{name}/{key}" if not used[key] else f"{name}/{key}_{used[key]}")
                used[key] += 1
                yield from _visit(item, path, visited)
        elif _is_layer(value):
            yield from _visit(value, join(name), visited)


def _visit(layer, path, visited):
    if id(layer) in visited:
        return
    visited.add(id(layer))
    yield layer, path
    yield from _layer_paths(layer, path, visited)


def _is_layer(value):
    from minikeras.layers.base import Layer

    return isinstance(value, Layer)


def _name_key(name):
    return f"~{name}" if name.startswith("_") else name  # private attributes last, as Keras


_BASE_ATTRIBUTES = {}  # class -> the attribute names minikeras' own __init__ sets


def _user_attributes(layer):
    """The attributes of `layer` that its own classes set, not minikeras' base classes."""
    from minikeras.layers.base import Layer
    from minikeras.models.model import Model

    kind = Model if isinstance(layer, Model) else Layer
    if kind not in _BASE_ATTRIBUTES:
        probe = kind.__new__(kind)
        kind.__init__(probe, name="probe")  # named: no automatic name is drawn
        _BASE_ATTRIBUTES[kind] = set(vars(probe))
    return [(k, v) for k, v in vars(layer).items() if k not in _BASE_ATTRIBUTES[kind]]


def own_store(layer):
    """A layer's `vars` as `{key: array}`: its `save_own_variables` hook's, else its own
    variables under `"0"`, `"1"`, ..."""
    hook = loading.own_hook(layer, "save_own_variables")
    if hook is None:
        return {str(i): v.value for i, v in enumerate(loading.own_variables(layer))}
    store = {}
    hook(store)
    return store


def write_weights(h5file, model):
    """Write the model's (and its optimizer's) variables in Keras 3's layout."""
    _write_vars(h5file, "", model.name, own_store(model))
    for layer, path in layer_paths(model):
        _write_vars(h5file, path, layer.name, own_store(layer))
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        _write_vars(h5file, "optimizer", optimizer.name,
                    {str(i): v.value for i, v in enumerate(optimizer.variables)})


def _write_vars(h5file, path, name, store):
    group = h5file.create_group(f"{path}/vars" if path else "vars")
    group.attrs["name"] = name
    for key, array in store.items():
        h5io.write_array(group, key, array)


class WeightsFile:
    """Reads the `vars` groups of an open Keras 3 weights file, by path, on demand."""

    def __init__(self, h5file, where):
        self.h5file = h5file
        self.where = where

    def _group(self, path):
        full = f"{path}/vars" if path else "vars"
        group = h5io.group_at(self.h5file, full, self.where)
        if group is None and path.split("/")[0] == "layers":
            # Keras 2.13 wrote the layer container under another name.
            old = "_layer_checkpoint_dependencies"
            full = "/".join([old if p == "layers" else p for p in path.split("/")] + ["vars"])
            group = h5io.group_at(self.h5file, full, self.where)
        head, _, last = path.rpartition("/")
        if group is None and head and not last.startswith("_"):
            # tf_keras keeps some sublayers under the private names of attributes Keras 3
            # reads through properties (MultiHeadAttention's `_query_dense`: `query_dense`).
            full = f"{head}/_{last}/vars"
            group = h5io.group_at(self.h5file, full, self.where)
        return group, full

    def store(self, path):
        """`{key: array}` of the `vars` group at `path` (empty if absent), for a layer's
        `load_own_variables` hook."""
        group, full = self._group(path)
        if group is None:
            return {}
        where = f"{self.where}, group '{full}'"
        return {key: h5io.read_array(group, key, where) for key in group.keys()}

    def vars(self, path, read=True):
        """`(name, arrays)` stored at `path` (`"layers/dense"`, `"optimizer"`), or None.

        With `read=False` the arrays are the checked but unread datasets: their shapes only.
        """
        group, full = self._group(path)
        if group is None:
            return None
        keys = list(group.keys())
        expected = [str(index) for index in range(len(keys))]
        if sorted(keys) != sorted(expected):
            raise loading.LoadError(
                f"The group '{full}' holds {sorted(keys)[:10]}; expected datasets named "
                f"'0' to '{len(keys) - 1}'."
            )
        where = f"{self.where}, group '{full}'"
        fetch = h5io.read_array if read else h5io.dataset_at
        arrays = [fetch(group, key, where) for key in expected]
        return h5io.read_string(group, "name", where), arrays


def load_weights_into(model, weights, skip_mismatch=False, check_only=False):
    """Assign every layer's variables from `weights` (a WeightsFile), as Keras 3 matches them.

    Extra saved layers are ignored; a layer whose variables are missing or mis-shaped fails
    with Keras 3's message (a warning when `skip_mismatch`), naming the group found.
    """
    failures = []
    for layer, path in layer_paths(model):
        hook = loading.own_hook(layer, "load_own_variables")
        if hook is not None:  # the layer reads its own group (a lookup's TF-IDF weights)
            if not check_only:
                hook(weights.store(path))
            continue
        variables = loading.own_variables(layer)
        # The check before building needs shapes only: no data is read twice.
        stored = weights.vars(path, read=not check_only)
        arrays = stored[1] if stored else []
        if len(arrays) != len(variables):
            found = f"'{path}/vars' holds {len(arrays)}" if stored else f"'{path}/vars' is absent"
            failures.append((layer, (
                f"Layer '{layer.name}' expected {len(variables)} variables, but received "
                f"{len(arrays)} variables during loading. Expected: {[v.name for v in variables]} "
                f"(in the file, {found})."
            )))
            continue
        mismatch = loading.check_shapes(variables, arrays, f"'{path}/vars'")
        if mismatch:
            failures.append((layer, mismatch))
        elif not check_only:
            loading.assign(variables, arrays)
    if failures:
        message = (
            f"A total of {len(failures)} objects could not be loaded. Example error message for "
            f"object {failures[0][0]!r}:\n\n{failures[0][1]}\n\n"
            f"List of objects that could not be loaded:\n{[layer for layer, _ in failures]}"
        )
        if not skip_mismatch:
            raise loading.LoadError(message)
        warnings.warn(message, stacklevel=4)


def restore_optimizer(model, weights):
    """Restore `model.optimizer` from the file's `optimizer/vars`, when both exist."""
    optimizer = getattr(model, "optimizer", None)
    stored = weights.vars("optimizer")
    if optimizer is None or stored is None:
        return
    name, arrays = stored
    if len(arrays) > 2 and not optimizer.built and model.built:
        optimizer.build(model.trainable_weights)
    # Keras 3 names every vars group; tf_keras names none and keeps no learning-rate variable.
    loading.restore_optimizer(optimizer, arrays, name is not None, weights.where)


# ----------------------------------------------------------------------------------------------
# Archives


def _keras_version(metadata):
    """The `keras_version` metadata.json records, or None (it is informative only)."""
    try:
        version = json.loads(metadata).get("keras_version")
    except (TypeError, ValueError, AttributeError):
        return None
    return version if isinstance(version, str) else None


def _is_asset(name):
    """Whether an archive member is a layer's asset file, named without any way out of
    `assets/` (no absolute path, no `..`, no backslash)."""
    parts = name.split("/")
    return (name.startswith(ASSETS) and not name.endswith("/") and "\\" not in name
            and ".." not in parts and "" not in parts[1:] and len(parts) > 2)


def read_members(filepath):
    """`{name: bytes}` of the members minikeras reads, by exact name, from a zip or directory:
    the three Keras members and the layers' asset files."""
    wanted = (METADATA, CONFIG, WEIGHTS)
    if isinstance(filepath, (str, os.PathLike)) and os.path.isdir(filepath):  # else a file object
        names = [posixpath.join(os.path.relpath(root, filepath).replace(os.sep, "/"), f)
                 .removeprefix("./") for root, _, files in os.walk(filepath) for f in files]
        members = {}
        for name in names:
            path = _inside(filepath, name)
            if (name in wanted or _is_asset(name)) and os.path.isfile(path):
                _check_size(name, os.path.getsize(path), os.path.getsize(path))
                with open(path, "rb") as f:
                    members[name] = f.read()
        return members, sorted(os.listdir(filepath))
    with zipfile.ZipFile(filepath) as archive:
        names = archive.namelist()
        repeated = sorted(name for name, count in collections.Counter(names).items() if count > 1)
        if repeated:
            raise loading.LoadError(
                f"The archive holds several members named {repeated}; refusing an ambiguous file."
            )
        members = {}
        for name in names:
            if name in wanted or _is_asset(name):
                info = archive.getinfo(name)
                _check_size(name, info.file_size, info.compress_size)
                members[name] = archive.read(info)
        return members, names


def _inside(directory, name):
    """The path of `name` in an unzipped archive; a symlink may not lead out of the folder (a
    `model.weights.h5` linking to another file would load that file's weights)."""
    path = os.path.join(directory, name)
    folder, target = os.path.realpath(directory), os.path.realpath(path)
    if os.path.lexists(path) and os.path.commonpath([folder, target]) != folder:
        raise loading.LoadError(
            f"The member '{name}' is a link to '{target}', outside the model's folder "
            f"'{directory}'; refusing to read it."
        )
    return path


def _check_size(name, size, stored):
    limit = _MAX_JSON_BYTES if name.endswith(".json") else None
    if (limit and size > limit) or (size > _MAX_JSON_BYTES and size > _MAX_EXPANSION * stored):
        raise loading.LoadError(
            f"The member '{name}' declares {size} bytes ({stored} stored); refusing to read it."
        )


def _required(members, names, filepath):
    missing = [name for name in (CONFIG, WEIGHTS) if name not in members]
    if missing:
        raise loading.LoadError(
            f"'{filepath}' is not a complete `.keras` archive: it lacks {missing}. Found "
            f"{names[:20]}; expected {[METADATA, CONFIG, WEIGHTS]}."
        )


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a `.keras` archive (or its unzipped directory). `safe_mode` is ignored:
    code stored in a file is never run."""
    with loading.reading(filepath):
        members, names = read_members(filepath)
        _required(members, names, filepath)
        config = loading.parse_config(members[CONFIG], "config.json", custom_objects)
        compile_config = config.get("compile_config") if isinstance(config, dict) else None
        with h5io.open_file(members[WEIGHTS], f"{filepath}/{WEIGHTS}") as h5file:
            weights = WeightsFile(h5file, f"{filepath}/{WEIGHTS}")
            model = loading.build_model(
                config, custom_objects,
                lambda planned: load_weights_into(planned, weights, check_only=True),
                keras_version=_keras_version(members.get(METADATA)),
            )
            load_weights_into(model, weights)
            load_assets_into(model, members)
            if compile and compile_config:
                loading.compile_model(model, compile_config, custom_objects)
                restore_optimizer(model, weights)
    return model


def load_weights(model, filepath, skip_mismatch=False):
    """Load a `.weights.h5` file, or the weights inside a `.keras` archive, into `model`."""
    with loading.reading(filepath):
        source = filepath
        if zipfile.is_zipfile(filepath):
            members, names = read_members(filepath)
            if WEIGHTS not in members:
                raise loading.LoadError(f"The archive has no {WEIGHTS}; found {names[:20]}.")
            source = members[WEIGHTS]
        with h5io.open_file(source, filepath) as h5file:
            weights = WeightsFile(h5file, str(filepath))
            load_weights_into(model, weights, skip_mismatch=skip_mismatch)
            restore_optimizer(model, weights)


def load_assets_into(model, members):
    """Call each layer's `load_assets` with a directory holding its asset members (None when
    the archive has none for it, as Keras passes)."""
    for layer, path in layer_paths(model):
        hook = getattr(layer, "load_assets", None)
        if hook is None:
            continue
        prefix = f"{ASSETS}{path}/"
        own = {name[len(prefix):]: data for name, data in members.items()
               if name.startswith(prefix)}
        if not own:
            hook(None)
            continue
        with tempfile.TemporaryDirectory() as directory:
            for relative, data in own.items():
                target = os.path.join(directory, *relative.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(data)
            hook(directory)


def asset_members(model):
    """`{name: bytes}` of the files the layers' `save_assets` write, under `assets/<path>/`."""
    members = {}
    for layer, path in layer_paths(model):
        hook = getattr(layer, "save_assets", None)
        if hook is None:
            continue
        with tempfile.TemporaryDirectory() as directory:
            hook(directory)
            for root, _, files in os.walk(directory):
                for file in sorted(files):
                    relative = os.path.relpath(os.path.join(root, file), directory)
                    with open(os.path.join(root, file), "rb") as f:
                        members[f"{ASSETS}{path}/{relative.replace(os.sep, '/')}"] = f.read()
    # Keras zips its assets directory tree walking each directory's sorted entries.
    return {name: members[name] for name in sorted(members, key=lambda n: n.split("/"))}


def archive_members(model):
    """`{name: bytes}` of a `.keras` archive for `model`, in Keras' member order (a Keras 2
    model's TFOpLambda layers as the Keras 3 ops they compute)."""
    from minikeras.layers.core import tf_op_layer

    with tf_op_layer.keras3_form(model) as stored:
        return _archive_members(stored)


def _archive_members(model):
    config = registry.serialize(model)
    metadata = {
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "minikeras_version": __version__,
    }
    from minikeras.models.model import _json_default

    return {
        METADATA: json.dumps(metadata).encode(),
        CONFIG: json.dumps(config, default=_json_default).encode(),
        WEIGHTS: weights_bytes(model),
        **asset_members(model),
    }


def weights_bytes(model):
    buffer = io.BytesIO()
    with h5io.create_file(buffer) as h5file:
        write_weights(h5file, model)
    return buffer.getvalue()


def save_model(model, filepath, zipped=True):
    """Write `model` as a `.keras` zip (or, with `zipped=False`, as a directory)."""
    if not model.built:
        warnings.warn(
            "You are saving a model that has not yet been built. It might not contain any "
            "weights yet. Consider building the model first by calling it on some data.",
            stacklevel=3,
        )
    members = archive_members(model)
    if not zipped:
        os.makedirs(filepath, exist_ok=True)
        for name, data in members.items():
            target = os.path.join(filepath, *name.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            atomic.write_bytes(target, data)
        return
    with atomic.atomic_path(filepath) as temporary, zipfile.ZipFile(temporary, "w") as archive:
        for name, data in members.items():
            # Keras dates the JSON members 1980-01-01 and the weights with the save time.
            when = time.localtime()[:6] if name == WEIGHTS else (1980, 1, 1, 0, 0, 0)
            archive.writestr(zipfile.ZipInfo(name, date_time=when), data)


def save_weights(model, filepath):
    """Write `model`'s weights (and optimizer state) as a Keras 3 `.weights.h5` file."""
    with atomic.atomic_path(filepath) as temporary:
        with h5io.create_file(temporary) as h5file:
            write_weights(h5file, model)
