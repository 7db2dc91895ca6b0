"""Keras' legacy HDF5 files: whole models (`model.save("m.h5")`) and weights (`"w.h5"`).

The layout, shared by Keras 2 and Keras 3 (a weights file has `model_weights`' content at its
root, and no configs):

    /                       @keras_version @backend @model_config @training_config (JSON)
    model_weights/          @layer_names (split in layer_names0, 1, ... when long)
    model_weights/<layer>/  @weight_names ('dense/kernel:0'; Keras 3: 'sequential/dense/kernel')
    model_weights/<layer>/<weight name>   one dataset per name (names may contain '/')
    optimizer_weights/      @weight_names and one dataset each, in the optimizer's variable order

`weight_names` gives a layer's order (h5py lists datasets alphabetically). Weights load by
layer order ("topological"), or by layer name with `by_name=True`. minikeras writes what
tf_keras writes (Keras 2 layer entries, `:0` names, no learning-rate variable): the one layout
both tf_keras and Keras 3 load.
"""

import json
import typing
import warnings

from minikeras import __version__, backend
from minikeras.saving import atomic, h5io, keras_v3, loading, registry

# Config keys Keras 3 writes that tf_keras' constructors reject.
_KERAS3_ONLY_KEYS = frozenset({
    "quantization_config", "lora_rank", "lora_alpha", "input_axes", "output_axes",
    "loss_scale_factor", "gradient_accumulation_steps",
})

# ... and arguments of some classes only (tf_keras' RNNs and attention layers draw dropout
# masks without a seed).
_KERAS3_ONLY_ARGUMENTS = {
    name: frozenset({"seed"})
    for name in ("SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell",
                 "Attention", "AdditiveAttention", "MultiHeadAttention")
}


class StoredLayer(typing.NamedTuple):
    name: str
    weight_names: list
    arrays: list


# ----------------------------------------------------------------------------------------------
# Reading


# The top-level groups of Keras 3's weights layout (`_layer_checkpoint_dependencies`: Keras 2.13).
_KERAS3_GROUPS = frozenset({"layers", "vars", "optimizer", "_layer_checkpoint_dependencies"})


def _has_layer_names(group):
    attrs = group.attrs
    return "layer_names" in attrs or "layer_names0" in attrs


def layout(h5file):
    """Where an open HDF5 file keeps its weights; every reader decides by this alone.

    Returns "legacy_weights" (`layer_names` at the root: a Keras 2 `save_weights("w.h5")`),
    "legacy_model" (a `model_weights` group: `model.save("m.h5")`), "keras3" (`layers/.../vars`
    groups: `.weights.h5`) or None.
    """
    if _has_layer_names(h5file):
        return "legacy_weights"
    if "model_weights" in h5file:
        return "legacy_model"
    if _KERAS3_GROUPS & set(h5file.keys()):
        return "keras3"
    return None


def read_layers(group, where):
    """The stored layers, in `layer_names` order, each with its arrays in `weight_names` order."""
    names = h5io.read_strings(group, "layer_names", where)
    if names is None:
        raise loading.LoadError(
            f"No 'layer_names' attribute in {where}: expected a legacy Keras weights layout; "
            f"found the entries {sorted(group.keys())[:10]}."
        )
    if len(set(names)) != len(names):
        raise loading.LoadError(f"{where}: 'layer_names' repeats a name: {names}.")
    layers = []
    for name in names:
        layer_where = f"{where}, layer '{name}'"
        layer_group = h5io.group_at(group, name, where)
        if layer_group is None:
            raise loading.LoadError(f"{layer_where}: listed in 'layer_names' but has no group.")
        weight_names = h5io.read_strings(layer_group, "weight_names", layer_where) or []
        _check_datasets(layer_group, weight_names, layer_where)
        arrays = [h5io.read_array(layer_group, weight, layer_where) for weight in weight_names]
        layers.append(StoredLayer(name, weight_names, arrays))
    top = h5io.group_at(group, "top_level_model_weights", where)
    if top is not None and h5io.read_strings(top, "weight_names", where):
        raise loading.LoadError(
            f"{where}: 'top_level_model_weights' lists weights; minikeras models have none."
        )
    return layers


def _check_datasets(layer_group, weight_names, where):
    found = []
    layer_group.visititems(
        lambda path, node: found.append(path) if isinstance(node, h5io.h5py().Dataset) else None
    )
    extra = sorted(set(found) - set(weight_names))
    if extra:
        raise loading.LoadError(
            f"{where}: the datasets {extra[:5]} are not listed in 'weight_names' {weight_names}."
        )


def read_optimizer(h5file, where):
    """`(arrays, has_learning_rate)` from `optimizer_weights`, or None."""
    group = h5io.group_at(h5file, "optimizer_weights", where)
    if group is None:
        return None
    names = h5io.read_strings(group, "weight_names", where) or []
    arrays = [h5io.read_array(group, name, f"{where}, optimizer_weights") for name in names]
    # Keras 3 stores 'adam/learning_rate'; Keras 2 (and minikeras' .h5) no such variable.
    has_learning_rate = any(
        name.rsplit("/", 1)[-1].split(":")[0] == "learning_rate" for name in names
    )
    return arrays, has_learning_rate


def load_layers(model, stored, by_name=False, skip_mismatch=False, check_only=False):
    """Assign the stored layers to `model`'s layers with Keras 3's legacy rules and messages.

    A layer whose state is not weights (`load_own_variables`, no variables: tf_keras'
    Discretization stores its quantile summary) gets its stored arrays by name.
    """
    stored = _load_state_layers(model, stored, check_only)
    if by_name:
        index = {layer.name: layer for layer in model.layers}
        pairs = [(k, index[entry.name], entry) for k, entry in enumerate(stored)
                 if entry.name in index]
    else:
        layers = [layer for layer in model.layers if loading.legacy_variables(layer)]
        saved = [entry for entry in stored if entry.weight_names]
        if len(layers) != len(saved):
            raise loading.LoadError(
                "Layer count mismatch when loading weights from file. Model expected "
                f"{len(layers)} layers, found {len(saved)} saved layers "
                f"({[entry.name for entry in saved]})."
            )
        pairs = list(zip(range(len(layers)), layers, saved))
    for k, layer, entry in pairs:
        variables = loading.legacy_variables(layer)
        if len(entry.arrays) != len(variables):
            counts = (f"Layer expects {len(variables)} weight(s). Received "
                      f"{len(entry.arrays)} saved weight(s) {entry.weight_names}")
            if not by_name:
                raise loading.LoadError(
                    f"Weight count mismatch for layer #{k} (named {layer.name} in the current "
                    f"model, {entry.name} in the save file). {counts}")
            if not skip_mismatch:
                raise loading.LoadError(
                    f"Weight count mismatch for layer #{k} (named {layer.name}). {counts}")
            warnings.warn(f"Skipping loading of weights for layer #{k} (named {layer.name}) due "
                          f"to mismatch in number of weights. {counts}", stacklevel=4)
            continue
        for variable, array, weight_name in zip(variables, entry.arrays, entry.weight_names):
            if tuple(variable.shape) != tuple(array.shape):
                detail = (
                    f"for weight {variable.path}. Weight expects shape {tuple(variable.shape)}. "
                    f"Received saved weight with shape {tuple(array.shape)} "
                    f"('{entry.name}/{weight_name}')"
                )
                if not skip_mismatch:
                    raise loading.LoadError(
                        f"Shape mismatch in layer #{k} (named {layer.name}){detail}")
                warnings.warn(f"Skipping loading weights for layer #{k} (named {layer.name})due to "
                              f"mismatch in shape {detail}", stacklevel=4)
            elif not check_only:
                variable.assign(array)


def _load_state_layers(model, stored, check_only):
    """Hand the stored arrays of the model's stateful, weightless layers to their
    `load_own_variables`; the other stored layers, for the usual matching."""
    hooks = {layer.name: layer for layer in model.layers
             if loading.own_hook(layer, "load_own_variables")
             and not loading.legacy_variables(layer)}
    rest = []
    for entry in stored:
        layer = hooks.get(entry.name)
        if layer is None:
            rest.append(entry)
        elif not check_only:
            layer.load_own_variables({str(i): array for i, array in enumerate(entry.arrays)})
    return rest


def compile_config_from(training_config):
    """A Keras 3 `compile_config` from a legacy `training_config` (Keras 2 or 3)."""
    if not isinstance(training_config, dict):
        raise loading.LoadError(
            f"The training_config must be a dict; found {training_config!r:.200}.")
    return {
        "optimizer": training_config.get("optimizer_config"),
        "loss": training_config.get("loss"),
        "loss_weights": training_config.get("loss_weights"),
        "metrics": _metrics(training_config.get("metrics")),
        "weighted_metrics": _metrics(training_config.get("weighted_metrics")),
    }


def _metrics(specs):
    # Keras 2 keeps one list per output and wraps each metric in a MeanMetricWrapper config.
    if isinstance(specs, list) and len(specs) == 1 and isinstance(specs[0], list):
        specs = specs[0]
    if not isinstance(specs, list):
        return specs
    return [_metric(spec) for spec in specs]


def _metric(spec):
    if not (isinstance(spec, dict) and spec.get("class_name") == "MeanMetricWrapper"):
        return spec
    config = spec.get("config") or {}
    name = config.get("name")
    if name in ("accuracy", "acc", "crossentropy", "ce") or registry.lookup("metric", name):
        return name
    return config.get("fn")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a legacy `.h5` file written by Keras 2, Keras 3 or minikeras."""
    where = str(filepath)
    with loading.reading(filepath), h5io.open_file(filepath, filepath) as h5file:
        text = h5io.read_string(h5file, "model_config", where)
        if text is None:
            raise loading.LoadError(f"No model config found in the file at {filepath}.")
        config = loading.parse_config(text, "model_config", custom_objects)
        group = h5io.group_at(h5file, "model_weights", where)
        if group is None:
            raise loading.LoadError(f"{where} has a model_config but no 'model_weights' group.")
        stored = read_layers(group, f"{where}, model_weights")
        model = loading.build_model(
            config, custom_objects, lambda planned: load_layers(planned, stored, check_only=True),
            keras_version=h5io.read_string(h5file, "keras_version", where),
        )
        load_layers(model, stored)
        if not compile:
            return model
        text = h5io.read_string(h5file, "training_config", where)
        if text is None:
            warnings.warn(
                "No training configuration found in the save file, so the model was *not* "
                "compiled. Compile it manually.",
                stacklevel=3,
            )
            return model
        training_config = loading.parse_config(text, "training_config", custom_objects)
        loading.compile_model(model, compile_config_from(training_config), custom_objects)
        optimizer_state = read_optimizer(h5file, where)
        if optimizer_state:
            loading.restore_optimizer(model.optimizer, *optimizer_state, where)
    return model


def load_weights(model, filepath, skip_mismatch=False, by_name=False):
    """Load a legacy weights file, or the weights of a legacy model file, into `model`."""
    where = str(filepath)
    with loading.reading(filepath), h5io.open_file(filepath, filepath) as h5file:
        group = h5file
        if layout(h5file) == "legacy_model":
            group = h5io.group_at(h5file, "model_weights", where)
        load_layers(model, read_layers(group, where), by_name=by_name, skip_mismatch=skip_mismatch)


# ----------------------------------------------------------------------------------------------
# Writing


def _tf_keras(value):
    """A Keras 3 config value in the form tf_keras reads (Keras 3 reads it too)."""
    if isinstance(value, list):
        return [_tf_keras(item) for item in value]
    if not isinstance(value, dict):
        return value
    if value.get("class_name") == "DTypePolicy":
        return value.get("config", {}).get("name")
    if value.get("class_name") in _KERAS3_ONLY_ARGUMENTS and isinstance(value.get("config"), dict):
        value = {**value, "config": _without_keras3_arguments(value["class_name"], value["config"])}
    converted = {}
    for key, item in value.items():
        if key not in _KERAS3_ONLY_KEYS:
            converted["batch_input_shape" if key == "batch_shape" else key] = _tf_keras(item)
    return converted


def model_config(model):
    """The model's config as tf_keras writes it: legacy `{class_name, config}` layer entries.

    A file without assets keeps a layer's adapted state (a vocabulary, bins) in its config,
    where both Keras read a given one: the layer's `_legacy_config(config)` gives that config.
    """
    layers = {layer.name: layer for layer in model._flatten_layers()}
    return _legacy_entry(registry.serialize(model), layers, model)


def _legacy_entry(entry, layers, layer=None):
    from minikeras.models.functional import Functional, keras2_config

    layer = layer if layer is not None else layers.get(entry["config"].get("name"))
    if isinstance(layer, Functional):
        return keras2_config(layer, lambda inner: _legacy_entry(
            registry.serialize(inner), layers, inner))
    config = entry["config"]
    if entry["class_name"] == "Sequential":
        config = {"name": config["name"],
                  "layers": _with_input_layer(layer, [_legacy_entry(e, layers)
                                                      for e in config["layers"]])}
    if hasattr(layer, "_legacy_config"):
        config = layer._legacy_config(config)
    return {"class_name": entry["class_name"],
            "config": _keras2_arguments(
                entry["class_name"],
                _tf_keras(_without_keras3_arguments(entry["class_name"], config)))}


def _with_input_layer(sequential, entries):
    """A built Sequential's layer entries led by its input layer, as tf_keras writes them: its
    Sequential becomes a graph network when first called and lists the InputLayer it made
    (`dense_input`). Without it, tf_keras rebuilds the Sequential unbuilt, with no node 0 of its
    own, and its loader waits forever for the node 1 a functional model calling it refers to."""
    try:
        input_layer = sequential.inputs[0]._keras_history[0]
    except (AttributeError, IndexError):  # not built: tf_keras' unbuilt Sequential likewise
        return entries
    if not entries or entries[0]["class_name"] == "InputLayer":
        return entries
    entry = _legacy_entry(registry.serialize(input_layer), {}, input_layer)
    entry["config"]["name"] = f"{entries[0]['config']['name']}_input"
    return [entry, *entries]


def _keras2_arguments(class_name, config):
    """A layer's config with Keras 3's new arguments in their tf_keras form, where tf_keras
    would refuse them: renamed, or left out when they hold the only value tf_keras knows."""
    config = dict(config)
    if class_name == "LeakyReLU" and "negative_slope" in config:
        config["alpha"] = config.pop("negative_slope")
    for name, default in _KERAS3_ARGUMENTS.get(class_name, {}).items():
        if config.get(name, default) == default:
            config.pop(name, None)
    return config


# Keras 3 layer arguments tf_keras does not take, with the value that means tf_keras' behaviour.
_KERAS3_ARGUMENTS = {
    "LayerNormalization": {"rms_scaling": False},
    "ZeroPadding1D": {"data_format": "channels_last"},
    "Resizing": {"data_format": "channels_last", "pad_to_aspect_ratio": False,
                 "fill_mode": "constant", "fill_value": 0.0, "antialias": False},
    "RandomContrast": {"data_format": "channels_last", "value_range": [0, 255]},
    "MultiHeadAttention": {"use_gate": False, "sliding_window": None},
    **{name: {"data_format": "channels_last"} for name in (
        "CenterCrop", "RandomCrop", "RandomFlip", "RandomRotation", "RandomZoom",
        "RandomTranslation", "RandomBrightness")},
}


def _without_keras3_arguments(class_name, config):
    dropped = _KERAS3_ONLY_ARGUMENTS.get(class_name, ())
    return {k: v for k, v in config.items() if k not in dropped}


def training_config(model):
    compile_config = model.get_compile_config()
    optimizer = compile_config.pop("optimizer")
    # Written as tf_keras writes it. Without `is_legacy_optimizer: false` tf_keras would build
    # its pre-2.11 classes; Keras 3 rejects that key, so it reads the "Custom>" name and, like for
    # tf_keras' own files, builds the optimizer named by `name` with default settings.
    name = optimizer["class_name"]
    loss = registry.lookup("loss", compile_config["loss"])
    if callable(loss) and not isinstance(loss, type):
        # Keras 3's legacy loader fails on aliases ('mse'); the function's own name reads anywhere.
        compile_config["loss"] = loss.__name__
    config = {**compile_config,
              "optimizer_config": {"class_name": f"Custom>{name}",
                                   "config": {**optimizer["config"], "name": name,
                                              "is_legacy_optimizer": False}}}
    return _tf_keras(config)


def write_layers(group, model):
    """`layer_names`, one group per layer with `weight_names` and its arrays, Keras 2 style."""
    h5io.write_strings(group, "layer_names", [layer.name for layer in model.layers])
    group.attrs["backend"] = backend.backend().encode("utf8")
    group.attrs["keras_version"] = keras_v3.KERAS_VERSION.encode("utf8")
    for layer in sorted(model.layers, key=lambda layer: layer.name):
        _write_weights(group.create_group(layer.name), loading.legacy_variables(layer),
                       lambda variable: _legacy_weight_name(variable, layer))
    _write_weights(group.create_group("top_level_model_weights"), [], None)


def _legacy_weight_name(variable, layer):
    """tf_keras' name for a weight of `layer`: its path from the layer on (`dense/kernel:0`;
    a nested layer's weights keep their sublayers, `lstm/lstm_cell/kernel:0`, which keeps the
    two directions of a Bidirectional apart)."""
    parts = variable.path.split("/")
    start = parts.index(layer.name) if layer.name in parts[:-1] else len(parts) - 2
    return "/".join(parts[start:]) + ":0"


def _write_weights(group, variables, name_of):
    names = [name_of(variable) for variable in variables]
    h5io.write_strings(group, "weight_names", names)
    for name, variable in zip(names, variables):
        h5io.write_array(group, name, variable.value)


def save_model(model, filepath, include_optimizer=True):
    """Write `model` as a legacy `.h5` file that tf_keras 2 and Keras 3 both load."""
    from minikeras.models.model import _json_default

    optimizer = getattr(model, "optimizer", None) if include_optimizer else None
    with atomic.atomic_path(filepath) as temporary:
        with h5io.create_file(temporary) as h5file:
            h5file.attrs["keras_version"] = keras_v3.KERAS_VERSION
            h5file.attrs["backend"] = backend.backend()
            h5file.attrs["minikeras_version"] = __version__
            h5file.attrs["model_config"] = json.dumps(
                model_config(model), default=_json_default).encode("utf8")
            if optimizer is not None and model.compiled:
                h5file.attrs["training_config"] = json.dumps(
                    training_config(model), default=_json_default).encode("utf8")
            write_layers(h5file.create_group("model_weights"), model)
            if optimizer is not None:
                # tf_keras' order: Keras 3's without the learning-rate variable.
                _write_weights(h5file.create_group("optimizer_weights"),
                               optimizer._keras2_variables(),
                               lambda variable: f"{variable.path}:0")


def save_weights(model, filepath):
    """Write `model`'s weights as a Keras 2 `save_weights("w.h5")` file."""
    with atomic.atomic_path(filepath) as temporary:
        with h5io.create_file(temporary) as h5file:
            write_layers(h5file, model)
