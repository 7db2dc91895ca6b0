"""What every file format shares when loading: nothing in a file is trusted.

- `reading(filepath)`: every error raised while reading a file becomes a `ValueError` (or an
  `OSError` for I/O) whose message names the file; no bare `KeyError`, `RecursionError`,
  `MemoryError` or `zipfile.BadZipFile` reaches the caller.
- `parse_config(text)`: JSON with a nesting limit, refusing code (Lambda layers, marshalled
  bytecode) and objects that would be looked up by module, before anything is built.
- `build_model(config, ...)`: first builds the model with placeholder weights that allocate no
  memory, lets the caller check those shapes against the stored weights, then builds it for
  real. A config claiming `units=10**9` fails the check instead of exhausting memory.
- `compile_model` and `restore_optimizer`: compile settings and optimizer state, in Keras 3's
  variable order (Keras 2 files lack the learning-rate variable).
"""

import contextlib
import functools
import json
import os
import warnings

import numpy as np

from minikeras import backend
from minikeras.saving import h5io, registry

MAX_CONFIG_DEPTH = 64
# The roots of the `module` entries Keras configs carry (minikeras never imports them).
_KERAS_MODULES = ("keras", "tf_keras", "minikeras", "builtins", "tensorflow")


class LoadError(ValueError):
    """A file that cannot be loaded: its message names the file and what was wrong."""


class UnknownObjectError(LoadError, TypeError):
    """A config naming a class or function minikeras does not know (Keras raises TypeError)."""


@contextlib.contextmanager
def reading(filepath):
    """Re-raise anything that goes wrong while loading `filepath` with the file named."""
    where = f"'{filepath}'"
    try:
        with h5io.read_budget():
            yield
    except LoadError as error:
        raise type(error)(_with_file(error, filepath)) from None
    except OSError as error:
        if isinstance(error, FileNotFoundError) or str(filepath) in str(error):
            raise
        raise OSError(f"Unable to read {where}: {error}") from None
    except TypeError as error:
        raise UnknownObjectError(_with_file(error, filepath)) from None
    except ValueError as error:
        raise LoadError(_with_file(error, filepath)) from None
    except (RecursionError, MemoryError) as error:
        raise LoadError(
            f"Refusing to load {where}: it is nested too deeply or declares sizes too large to "
            f"allocate ({type(error).__name__})."
        ) from None
    except Exception as error:  # zipfile.BadZipFile, zlib.error, KeyError, EOFError, ...
        raise LoadError(
            f"Unable to load {where}: the file is corrupt or not in a Keras format "
            f"({type(error).__name__}: {error})."
        ) from None


def _with_file(error, filepath):
    message = str(error.args[0]) if error.args else str(error)
    return message if str(filepath) in message else f"{message} (while loading '{filepath}')"


# ----------------------------------------------------------------------------------------------
# Configs


def parse_config(text, what, custom_objects=None):
    """A JSON config from `text` (str or bytes), checked for depth and code before use."""
    if isinstance(text, bytes):
        text = text.decode("utf8")
    try:
        config = json.loads(text)
    except RecursionError:
        raise LoadError(f"The {what} is nested too deeply to be a Keras config.") from None
    except ValueError as error:
        raise LoadError(f"The {what} is not valid JSON: {error}.") from None
    refuse_code(config, what, custom_objects)
    return config


def refuse_code(config, what, custom_objects=None):
    """Raise unless `config` is a plain tree of registered names (checked without recursion).

    Refused, whatever `safe_mode` says: nesting deeper than `MAX_CONFIG_DEPTH`, Lambda layers
    and any other class that can only run stored code, marshalled bytecode (Keras 2 Lambda
    functions), and objects from modules other than Keras' that nothing registered resolves.
    """
    stack = [(config, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_CONFIG_DEPTH:
            raise LoadError(
                f"The {what} is nested more than {MAX_CONFIG_DEPTH} levels deep; refusing it."
            )
        if isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, dict):
            _refuse_object(node, what, custom_objects)
            stack.extend((value, depth + 1) for value in node.values())


def _refuse_object(node, what, custom_objects):
    name = node.get("class_name")
    if not isinstance(name, str):
        return
    if name in registry.FORBIDDEN_CLASSES or node.get("function_type") == "lambda":
        raise LoadError(
            f"Refusing to load the {what}: it contains a '{name}' object, which would run code "
            "stored in the file. minikeras never executes code from a model file, whatever "
            "`safe_mode` says; rebuild that layer in Python instead."
        )
    inner = node.get("config")
    function = inner.get("function") if isinstance(inner, dict) else None
    if isinstance(function, list) and function and isinstance(function[0], str):
        raise LoadError(
            f"Refusing to load the {what}: '{name}' stores a function as marshalled bytecode, "
            "which minikeras never executes."
        )
    module = node.get("module")
    if isinstance(module, str) and module.split(".")[0] not in _KERAS_MODULES:
        # A function's config is its registered name; its `registered_name` is "function".
        lookup_name = inner if name == "function" else node.get("registered_name") or name
        if not any(registry.lookup(kind, lookup_name, custom_objects) is not None
                   for kind in registry._KINDS):
            raise UnknownObjectError(
                f"Refusing to load '{module}.{name}' from the {what}: minikeras never imports "
                "modules named in a file; only registered classes and the `custom_objects` you "
                "pass can be loaded."
            )


# ----------------------------------------------------------------------------------------------
# Building a model without trusting its config


def plan_model(config, custom_objects=None):
    """The model `config` describes, built on placeholder weights: zero-stride views of the
    right shapes that take no memory. Shapes, output shapes and parameter counts are real."""
    if not isinstance(config, dict) or not isinstance(config.get("config"), (dict, list)):
        raise LoadError(
            "The model config is not a Keras model config: expected a dict with 'class_name' "
            f"and 'config'; found {_preview(config)}."
        )
    from minikeras.models.functional import preparing_layers

    with preparing_layers(_use_placeholders):  # a functional graph builds as it is read
        planned = registry.deserialize("layer", _unbuilt(config), custom_objects)
    if getattr(planned, "_saved_as_a_file", False):
        # Besides models, Keras saves a FeatureSpace as a whole `.keras` file: its layers are
        # built from its own build config.
        planned.build_planned(config.get("build_config") or {}, _use_placeholders)
        return planned
    if not hasattr(planned, "layers"):
        raise LoadError(f"The config describes a {type(planned).__name__}, not a model.")
    input_shape = _input_shape(config, custom_objects)
    if input_shape is not None:
        _use_placeholders(planned)
        planned.build(input_shape)
    return planned


def check_declared_shapes(config, planned, custom_objects=None):
    """Raise unless every input shape the config declares for a layer (its `build_config`, a
    nested Sequential's input) is the one the planned model gives it.

    The real model is built from the config as written, and a layer whose `build_config` says
    `(None, 10**6)` builds itself that large before the model would pass it `(None, 10)`: the
    weights checked against the file must be the ones that will be allocated.
    """
    entries = [entry for entry in _layer_list(config)
               if isinstance(entry, dict) and entry.get("class_name") != "InputLayer"]
    by_name = {layer.name: layer for layer in getattr(planned, "layers", ())}
    for entry in entries:  # matched by name: a Functional's list is not its layers' order
        inner = entry.get("config")
        layer = by_name.get(inner.get("name")) if isinstance(inner, dict) else None
        if layer is None or not layer.built:
            continue
        received = (layer.get_build_config() or {}).get("input_shape")
        nested = entry.get("class_name") == "Sequential" and isinstance(
            entry.get("config"), (dict, list))
        build = entry.get("build_config")
        declared = (_input_shape(entry, custom_objects) if nested
                    else build.get("input_shape") if isinstance(build, dict) else None)
        if declared is not None and received is not None and not _same_shape(declared, received):
            raise LoadError(
                f"Layer '{layer.name}' declares the input shape {_preview(declared)} in the "
                f"config, but the model gives it {tuple(received)}; refusing a config whose "
                "layers would be built with other weights than the ones checked."
            )
        if nested:
            check_declared_shapes(entry, layer, custom_objects)


def _same_shape(declared, received):
    """Whether two input shapes agree, batch sizes, unknown (None) dimensions and axes of 1
    aside (Keras declares (None, 1, 5) after a TextVectorization fed (None, 1) strings, where
    the layer gives (None, 5): no weight's size depends on an axis of 1)."""
    if not isinstance(declared, (list, tuple)):
        return False
    declared, received = ([d for d in shape[1:] if d != 1] for shape in (declared, received))
    if len(declared) != len(received):
        return False
    return all(a is None or b is None or a == b for a, b in zip(declared, received))


def planned_bytes(planned):
    """`(bytes, largest variable)` of the weights a planned model would allocate."""
    variables = planned.weights
    sizes = [_nbytes(v.shape, v.dtype) for v in variables]
    if not sizes:
        return 0, None
    return sum(sizes), variables[int(np.argmax(sizes))]


def _nbytes(shape, dtype):
    return int(np.prod(shape, dtype=np.float64)) * np.dtype(dtype).itemsize


def model_from_json(json_string, custom_objects=None):
    """A model from `to_json()`'s text with `load_model`'s guards: nesting depth, names that
    resolve only through the registry, and a plan of the weights before they are allocated
    (no larger than the machine's memory, since no stored weights bound them)."""
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise ValueError(f"The model JSON must be a string. Received: {_preview(json_string)}")
    try:
        config = parse_config(json_string, "model JSON", custom_objects)
    except UnicodeDecodeError as error:
        raise LoadError(f"The model JSON is not valid UTF-8: {error}.") from None
    if not isinstance(config, dict):
        raise LoadError(f"The model JSON must hold an object. Received: {_preview(config)}")
    try:
        return build_model(config, custom_objects, _fits_in_memory,
                           keras_version=config.get("keras_version"))
    except (RecursionError, MemoryError) as error:
        raise LoadError(f"The model JSON describes a model too large or too deeply nested to "
                        f"build ({type(error).__name__}).") from None


def _fits_in_memory(planned):
    total, largest = planned_bytes(planned)
    available = _physical_memory()
    if available is not None and total > available:
        raise LoadError(
            f"The model JSON plans {total} bytes of weights, more than this machine's memory "
            f"({available} bytes); the largest is '{largest.path}' of shape "
            f"{tuple(largest.shape)}."
        )


def _physical_memory():
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):  # not on this platform
        return None


def build_model(config, custom_objects, check_weights, keras_version=None):
    """The model `config` describes, built only after `check_weights` accepted its shapes.

    Args:
        config: a model config (Keras 2 or Keras 3 form), already through `parse_config`.
        custom_objects: names the caller allows beside the registry.
        check_weights: called with `plan_model(config)` and must raise if the file cannot
            fill those weights.
        keras_version: the Keras version the file records; a Keras 2 file's names mean what
            Keras 2 meant (`registry.keras2_objects`).
    """
    with registry.keras2_objects(keras_version):
        planned = plan_model(config, custom_objects)
        check_weights(planned)
        check_declared_shapes(config, planned, custom_objects)
        return registry.deserialize("layer", config, custom_objects)  # ignores compile_config


def _preview(value):
    text = repr(value)
    return text if len(text) < 200 else text[:200] + "..."


# (Not `input_dim`: in configs it is Embedding's vocabulary size, not an input shape.)
_INPUT_KEYS = ("batch_input_shape", "input_shape", "batch_size")


def _layer_list(config):
    inner = config.get("config")
    return inner if isinstance(inner, list) else inner.get("layers", [])


def _unbuilt(config):
    """`config` without anything that makes Sequential build itself (input layers, shapes)."""
    if not isinstance(config, dict) or config.get("class_name") != "Sequential":
        return {k: v for k, v in config.items() if k != "build_config"}
    inner = config["config"]
    inner = {"layers": inner} if isinstance(inner, list) else dict(inner)
    inner.pop("build_input_shape", None)
    layers = []
    for entry in inner.get("layers") or []:
        if not isinstance(entry, dict) or entry.get("class_name") == "InputLayer":
            continue
        entry = _unbuilt(entry)
        if isinstance(entry.get("config"), dict):
            entry["config"] = {
                k: v for k, v in entry["config"].items() if k not in _INPUT_KEYS
            }
        layers.append(entry)
    inner["layers"] = layers
    return {k: v for k, v in config.items() if k != "build_config"} | {"config": inner}


def _input_shape(config, custom_objects):
    """The input shape the model would build with, read by the first layer's own parsing."""
    layers = _layer_list(config)
    if layers and isinstance(layers[0], dict):
        first = dict(layers[0])
        first.pop("build_config", None)
        if first.get("class_name") != "Sequential":
            layer = registry.deserialize("layer", first, custom_objects)
            shape = getattr(layer, "batch_shape", None) or layer._batch_input_shape
            if shape is not None:
                return shape
    inner = config.get("config")
    shape = inner.get("build_input_shape") if isinstance(inner, dict) else None
    build = config.get("build_config")
    if shape is None and isinstance(build, dict):
        shape = build.get("input_shape")
    first_build = layers[0].get("build_config") if layers and isinstance(layers[0], dict) else None
    if shape is None and isinstance(first_build, dict):
        # Layers built one by one, then put in a Sequential that never was: each builds from
        # its own build_config, planned here from the first one's.
        shape = first_build.get("input_shape")
    return shape


def _use_placeholders(layer):
    """Make `layer` (and its sublayers) create zero-memory placeholder weights when built."""
    layer.add_weight = functools.partial(_placeholder_weight, layer)
    for sublayer in getattr(layer, "layers", ()):
        _use_placeholders(sublayer)


def _placeholder_weight(layer, shape=(), initializer=None, dtype=None, trainable=True,
                        regularizer=None, constraint=None, name=None, **kwargs):
    from minikeras.layers.base import Variable, standardize_shape

    shape = standardize_shape(shape)
    if any(dim is None or dim < 0 for dim in shape):
        raise LoadError(f"Layer '{layer.name}' would create a weight of shape {shape}.")
    dtype = backend.standardize_dtype(dtype or layer.dtype)
    name = name or f"variable_{len(layer._weights)}"
    value = np.broadcast_to(np.zeros((), dtype=dtype), shape)
    variable = Variable(value, name=name, path=f"{layer._path_prefix}{layer.name}/{name}",
                        trainable=trainable)
    layer._weights.append(variable)
    return variable


def own_hook(layer, name):
    """`layer`'s `save_own_variables` or `load_own_variables` (`name`) where its class has its
    own (a lookup's vocabulary, a user's extra state), else None: `Layer`'s save and load the
    plain variables, which the loaders match and check themselves."""
    from minikeras.layers.base import Layer

    method = getattr(type(layer), name, None)
    if method is None or method is getattr(Layer, name):
        return None
    return getattr(layer, name)


def own_variables(layer):
    """A layer's own variables in Keras' file order: those it made trainable, then the others
    (Keras' `_trainable_variables + _non_trainable_variables`, fixed when they are made)."""
    return layer._own_variables()


def legacy_variables(layer):
    """What legacy `.h5` files store for a layer: its trainable then non-trainable weights."""
    return layer.trainable_weights + layer.non_trainable_weights


def check_shapes(variables, arrays, where):
    """None if every array fits its variable, else Keras 3's assign error for the first misfit."""
    for index, (variable, array) in enumerate(zip(variables, arrays)):
        if tuple(variable.shape) != tuple(array.shape):
            planned = _nbytes(variable.shape, variable.dtype)
            return (
                "The shape of the target variable and the shape of the target value in "
                f"`variable.assign(value)` must match. variable.shape={tuple(variable.shape)}, "
                f"Received: value.shape={tuple(array.shape)}. Target variable: {variable.path} "
                f"(item {index} of {where}; the model needs {planned} bytes there, the file "
                f"stores {_nbytes(array.shape, array.dtype)})."
            )
    return None


def assign(variables, arrays):
    for variable, array in zip(variables, arrays):
        variable.assign(array)


# ----------------------------------------------------------------------------------------------
# Compile settings and optimizer state


def compile_model(model, compile_config, custom_objects):
    """`model.compile_from_config(compile_config)`, then build the optimizer as Keras 3 does."""
    check_compile_config(compile_config)
    compile_config = {**compile_config, "loss": _keras3_loss(compile_config.get("loss"))}
    model.compile_from_config(compile_config, custom_objects=custom_objects)
    if model.built and not model.optimizer.built:
        model.optimizer.build(model.trainable_weights)


def check_compile_config(compile_config):
    """Raise unless `compile_config` is a dict, as a file's compile settings must be."""
    if not isinstance(compile_config, dict):
        raise LoadError(f"The compile config must be a dict; found {_preview(compile_config)}.")


def _keras3_loss(loss):
    # tf_keras stores the wrapped function of built-in loss classes too ('fn'), which their
    # constructors do not take.
    inner = loss.get("config") if isinstance(loss, dict) else None
    if not isinstance(inner, dict) or "fn" not in inner or (
            loss.get("class_name") == "LossFunctionWrapper"):
        return loss
    return {**loss, "config": {k: v for k, v in inner.items() if k != "fn"}}


def restore_optimizer(optimizer, arrays, has_learning_rate, where):
    """Set `optimizer`'s variables from a file's list, stored in Keras' variable order.

    Args:
        arrays: the stored values; Keras 3 order is `[iteration, learning_rate, slots...]`.
        has_learning_rate: False for Keras 2 files, which store no learning-rate variable.
        where: the file, for messages.

    A file saved before the optimizer was built holds only the scalars; they are restored and
    the slots stay fresh (zeros, as an unbuilt optimizer's would be). Any other count mismatch
    is skipped with Keras 3's warning; a shape mismatch is an error.
    """
    if not has_learning_rate:
        arrays = optimizer._from_keras2_variables(arrays)
    learning_rate = getattr(optimizer, "_learning_rate", None)
    targets = [v for v in optimizer.variables if has_learning_rate or v is not learning_rate]
    head = targets[: 1 + any(v is learning_rate for v in targets)]
    if len(arrays) not in (len(targets), len(head)):
        warnings.warn(
            f"Skipping variable loading for optimizer '{optimizer.name}', because it has "
            f"{len(targets)} variables whereas the saved optimizer has {len(arrays)} variables. ",
            stacklevel=3,
        )
        return
    targets = targets[: len(arrays)]
    mismatch = check_shapes(targets, arrays, f"optimizer '{optimizer.name}' in {where}")
    if mismatch:
        raise LoadError(mismatch)
    assign(targets, arrays)
