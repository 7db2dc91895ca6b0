"""What a Keras file holds, told without building the model, and conversion between formats.

`describe(path)` reports the format, the Keras (or minikeras) version that wrote the file, the
architecture as `summary()` prints it (from a model built on placeholder weights, so nothing
the size of the weights is allocated beyond the stored arrays read for their statistics),
every array the layout refers to (a legacy file's `layer_names`/`weight_names`, a Keras 3 file's
`vars` groups) with its shape, dtype, mean, std, min and max, and whether compile settings and
optimizer state are present. Datasets the layout does not refer to are counted, never read.
Whatever the file holds, the result is a report or a `ValueError`/`OSError` naming the file.
`convert(source, target)` loads and re-saves.
"""

import json
import os
import warnings
import zipfile

import numpy as np

from minikeras.saving import h5io, keras_v3, legacy_h5, loading


def describe(filepath):
    """A text report on `filepath` (`.keras`, legacy `.h5`, `.weights.h5`)."""
    with loading.reading(filepath):
        return _report(filepath, _read(filepath))


def _report(filepath, facts):
    compile_line = (_compile_summary(facts["compile"]) if facts["config"]
                    else "not stored (a weights-only file)")
    lines = [f"File:       {filepath}", f"Format:     {facts['format']}",
             f"Written by: {facts['writer']}", f"Compile:    {compile_line}"]
    optimizer = facts["optimizer"]
    lines.append("Optimizer state: " + (
        f"{len(optimizer)} variables, iterations={_iterations(optimizer[0])}"
        if optimizer else "none"))
    lines += ["", _architecture(facts["config"]), "", "Stored arrays:"]
    rows = [("path", "shape", "dtype", "mean", "std", "min", "max")]
    for path, array in facts["arrays"]:
        rows.append((path, str(tuple(array.shape)), array.dtype.name, *_statistics(array)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines += ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
              for row in rows]
    if facts["unread"]:
        lines.append(f"  ({facts['unread']} other datasets, which the layout does not refer to, "
                     "were not read)")
    return "\n".join(lines)


def _statistics(array):
    if not array.size:
        return ["-"] * 4
    # Accumulated in float64 without a float64 copy of the array.
    values = (np.mean(array, dtype=np.float64), np.std(array, dtype=np.float64),
              np.min(array), np.max(array))
    return [f"{float(value):.6g}" for value in values]


def _iterations(stored):
    """The optimizer's step count as stored, or what the file holds instead of a count."""
    if stored.size == 1 and stored.dtype.kind in "iuf":
        value = stored.reshape(()).item()
        if np.isfinite(value) and float(value).is_integer():
            return str(int(value))
        return f"{value} (not a count)"
    return f"an array of shape {stored.shape} (not a count)"


def _read(filepath):
    """The facts about a file, whatever its format."""
    facts = {"config": None, "compile": None, "optimizer": None}
    source = filepath
    archive = os.path.isdir(filepath) or zipfile.is_zipfile(filepath)
    if archive:
        members, names = keras_v3.read_members(filepath)
        metadata = loading.parse_config(members.get(keras_v3.METADATA, b"{}"), "metadata.json")
        if not isinstance(metadata, dict):
            raise loading.LoadError(
                f"metadata.json holds a {type(metadata).__name__}; expected an object.")
        if keras_v3.CONFIG in members:
            facts["config"] = loading.parse_config(members[keras_v3.CONFIG], "config.json")
            if isinstance(facts["config"], dict):
                facts["compile"] = facts["config"].get("compile_config")
        facts["format"] = "Keras native archive (.keras): " + ", ".join(names[:6])
        facts["writer"] = _writer(metadata.get("keras_version"), metadata.get("minikeras_version"),
                                  metadata.get("date_saved"))
        source = members.get(keras_v3.WEIGHTS)
        if source is None:
            raise loading.LoadError(f"The archive has no {keras_v3.WEIGHTS}.")
    with h5io.open_file(source, filepath) as h5file:
        if not archive:
            _read_hdf5_facts(h5file, str(filepath), facts)
        keras3 = archive or facts["format"].startswith("Keras 3 weights")
        facts["arrays"] = (_keras3_arrays(h5file, str(filepath)) if keras3
                           else _legacy_arrays(h5file, str(filepath), facts["optimizer"]))
        if keras3:
            stored = keras_v3.WeightsFile(h5file, str(filepath)).vars("optimizer")
            facts["optimizer"] = stored[1] if stored else None
        facts["unread"] = _count_datasets(h5file) - len(facts["arrays"])
    return facts


def _read_hdf5_facts(h5file, where, facts):
    def attribute(name, node=h5file):
        return h5io.read_string(node, name, where)

    model_config = attribute("model_config")
    kind = legacy_h5.layout(h5file)
    weights_group = h5io.group_at(h5file, "model_weights", where) if model_config else h5file
    if model_config is not None:
        facts["config"] = loading.parse_config(model_config, "model_config")
        training_config = attribute("training_config")
        if training_config is not None:
            facts["compile"] = legacy_h5.compile_config_from(
                loading.parse_config(training_config, "training_config"))
        facts["format"] = "legacy HDF5 model (.h5): model_config, model_weights"
    elif kind == "legacy_weights":
        facts["format"] = "legacy HDF5 weights (.h5, Keras 2 `save_weights`)"
    elif kind == "keras3":
        has_names = any("name" in group.attrs for group in _vars_groups(h5file))
        facts["format"] = "Keras 3 weights (.weights.h5)"
        facts["writer"] = ("not recorded (the vars groups carry @name: Keras 3 or minikeras)"
                           if has_names else "not recorded (no @name attributes: tf_keras)")
        return
    else:
        raise loading.LoadError(
            f"No Keras layout found: expected a model_config attribute, layer_names, or "
            f"layers/.../vars groups; found {sorted(h5file.keys())[:10]}."
        )
    node = weights_group if weights_group is not None else h5file
    facts["writer"] = _writer(attribute("keras_version") or attribute("keras_version", node),
                              attribute("minikeras_version"), None,
                              attribute("backend") or attribute("backend", node))
    optimizer_state = legacy_h5.read_optimizer(h5file, where)
    facts["optimizer"] = optimizer_state[0] if optimizer_state else None


def _vars_groups(h5file):
    found = []
    h5file.visititems(lambda path, node: found.append(node)
                      if path.endswith("vars") and isinstance(node, h5io.h5py().Group) else None)
    return found


def _writer(keras_version, minikeras_version, date=None, backend=None):
    if minikeras_version:
        text = f"minikeras {minikeras_version} (in the format of Keras {keras_version})"
    elif keras_version:
        library = "tf_keras" if str(keras_version).startswith("2.") else "Keras"
        text = f"{library} {keras_version}" + (f", backend {backend}" if backend else "")
    else:
        text = "not recorded"
    return text + (f", saved {date}" if date else "")


def _keras3_arrays(h5file, where):
    """`(path, array)` of every `vars` group's datasets, in the file's (alphabetical) order."""
    weights = keras_v3.WeightsFile(h5file, where)
    arrays = []
    for group in _vars_groups(h5file):
        path = group.name.strip("/").rpartition("vars")[0].rstrip("/")
        stored = weights.vars(path)
        arrays += [(f"{group.name.strip('/')}/{index}", array)
                   for index, array in enumerate(stored[1] if stored else ())]
    return arrays


def _legacy_arrays(h5file, where, optimizer_arrays):
    """`(path, array)` of the weights `layer_names`/`weight_names` list, then the optimizer's
    (already read, in its `weight_names` order)."""
    prefix = "model_weights/" if legacy_h5.layout(h5file) == "legacy_model" else ""
    group = h5io.group_at(h5file, prefix.rstrip("/"), where) if prefix else h5file
    arrays = [(f"{prefix}{layer.name}/{name}", array)
              for layer in legacy_h5.read_layers(group, where)
              for name, array in zip(layer.weight_names, layer.arrays)]
    if optimizer_arrays:
        names = h5io.read_strings(h5file["optimizer_weights"], "weight_names", where)
        arrays += [(f"optimizer_weights/{name}", array)
                   for name, array in zip(names, optimizer_arrays)]
    return arrays


def _count_datasets(h5file):
    count = []
    h5file.visititems(lambda _, node: count.append(1)
                      if isinstance(node, h5io.h5py().Dataset) else None)
    return len(count)


def _compile_summary(compile_config):
    if not compile_config:  # as `load_model`, which compiles only from a non-empty config
        return "none (the model was not compiled)"
    loading.check_compile_config(compile_config)
    optimizer = compile_config.get("optimizer")
    if isinstance(optimizer, dict):
        settings = optimizer.get("config")
        rate = settings.get("learning_rate") if isinstance(settings, dict) else None
        optimizer = f"{optimizer.get('class_name')} (learning_rate={rate})"
    parts = [f"optimizer={optimizer}"] + [
        f"{key}={json.dumps(compile_config.get(key))}" for key in ("loss", "metrics")
        if compile_config.get(key) is not None
    ]
    return ", ".join(parts)


def _architecture(config):
    if config is None:
        return "Architecture: not stored (a weights-only file)."
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = loading.plan_model(config)
        lines = []
        model.summary(print_fn=lambda text, *args, **kwargs: lines.append(text))
        return "\n".join(lines).rstrip()
    except Exception as error:  # best effort: the rest of the report stands without it
        return f"Architecture: cannot be rebuilt by minikeras ({type(error).__name__}: {error})."


def convert(source, target, architecture=None):
    """Load `source` and save it as `target`, the formats chosen by the file names.

    Args:
        source: a model file (`.keras`, `.h5`), or a weights file when `architecture` is given.
        target: `.keras`, `.h5` (a model that tf_keras and Keras 3 load), `.weights.h5`,
            `.h5` weights when the source holds weights only, or `.onnx` (the inference pass).
        architecture: a model file giving the architecture for a weights-only `source`.
    """
    from minikeras.models import load_model

    if architecture is None and str(source).endswith(".weights.h5"):
        raise ValueError(f"'{source}' holds weights only: also give a model file for the "
                         "architecture (`--architecture MODEL`).")
    if architecture is not None:
        model = load_model(architecture)
        model.load_weights(source)
        weights_only = True
    else:
        model = load_model(source)
        weights_only = False
    target_is_weights = str(target).endswith(".weights.h5") or (
        weights_only and str(target).endswith((".h5", ".hdf5")))
    if str(target).endswith(".onnx"):
        model.export(target, format="onnx", verbose=False)
    elif target_is_weights:
        model.save_weights(target)
    else:
        model.save(target)
    return model
