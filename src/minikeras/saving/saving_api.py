"""`save_model`, `load_model`, `save_weights`, `load_weights`: Keras 3's dispatch and messages.

By name, as Keras 3 does: `.keras` is the native zip, `.weights.h5` the native weights file,
`.h5`/`.hdf5` the legacy HDF5 formats. Beyond Keras 3: `save_weights` also writes Keras 2's
`.h5` weights files, and an HDF5 weights file is read by its content, so a Keras 3 weights
file named `w.h5` (or a legacy one named `w.weights.h5`) loads too.
"""

import os
import warnings
import zipfile

from minikeras.layers.base import _user_stacklevel
from minikeras.saving import h5io, keras_v3, legacy_h5, loading

_LEGACY_SUFFIXES = (".h5", ".hdf5")


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Save architecture, weights, compile settings and optimizer state.

    Args:
        model: the model to save.
        filepath: a `.keras` file (Keras 3's format) or a `.h5`/`.hdf5` file (the legacy
            format, written so that tf_keras 2 and Keras 3 both load it).
        overwrite: if False and the file exists, ask on the terminal first.
        zipped: False writes the `.keras` content as a directory.
        include_optimizer: (keyword) whether a `.h5` file keeps the optimizer state.
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", False)
    name = str(filepath)
    if save_format:
        if not name.endswith((*_LEGACY_SUFFIXES, ".keras")):
            raise ValueError(
                "The `save_format` argument is deprecated in Keras 3. Please remove this argument "
                "and pass a file path with either `.keras` or `.h5` extension."
                f"Received: save_format={save_format}"
            )
        warnings.warn(
            "The `save_format` argument is deprecated in Keras 3. We recommend removing this "
            "argument as it can be inferred from the file path. "
            f"Received: save_format={save_format}",
            stacklevel=_user_stacklevel(),
        )
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs.keys())}")
    if name.endswith(_LEGACY_SUFFIXES):
        warnings.warn(
            "You are saving your model as an HDF5 file via `model.save()` or "
            "`keras.saving.save_model(model)`. This file format is considered legacy. We "
            "recommend using instead the native Keras format, e.g. "
            "`model.save('my_model.keras')` or `keras.saving.save_model(model, "
            "'my_model.keras')`. ",
            stacklevel=_user_stacklevel(),
        )
    zipped = True if zipped is None else zipped
    if os.path.exists(filepath) and not overwrite and not ask_to_proceed_with_overwrite(name):
        return
    if not zipped:
        if name.endswith(".keras"):
            raise ValueError(
                "When using `zipped=False`, the `filepath` argument should not end in `.keras`. "
                f"Received: filepath={filepath}"
            )
        return keras_v3.save_model(model, filepath, zipped=False)
    if name.endswith(".keras"):
        return keras_v3.save_model(model, filepath)
    if name.endswith(_LEGACY_SUFFIXES):
        directory = os.path.dirname(name)
        if directory:
            os.makedirs(directory, exist_ok=True)
        return legacy_h5.save_model(model, filepath, include_optimizer)
    raise ValueError(
        "Invalid filepath extension for saving. Please add either a `.keras` extension for the "
        "native Keras format (recommended) or a `.h5` extension. Use `model.export(filepath)` if "
        "you want to export a SavedModel for use with TFLite/TFServing/etc. "
        f"Received: filepath={filepath}."
    )


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by minikeras, Keras 3 or Keras 2 (`.keras`, `.h5`).

    Args:
        filepath: the file (or unzipped `.keras` directory).
        custom_objects: `{name: class or function}` for objects minikeras does not know.
        compile: whether to restore the compile settings and optimizer state.
        safe_mode: accepted for Keras compatibility; minikeras never runs code from a file.
    """
    name = str(filepath)
    if name.endswith(".keras") and zipfile.is_zipfile(filepath) or (
        os.path.isdir(filepath) and os.path.exists(os.path.join(filepath, keras_v3.CONFIG))
    ):
        return keras_v3.load_model(filepath, custom_objects, compile, safe_mode)
    if name.endswith(_LEGACY_SUFFIXES):
        return legacy_h5.load_model(filepath, custom_objects, compile, safe_mode)
    if name.endswith(".keras"):
        if os.path.isfile(filepath):
            with open(filepath, "rb") as f:
                head = f.read(8)
            raise loading.LoadError(
                f"'{filepath}' is not a `.keras` zip archive: it starts with {head!r}, while a "
                "`.keras` file is a zip (starting with b'PK\\x03\\x04')."
            )
        raise ValueError(
            f"File not found: filepath={filepath}. Please ensure the file is an accessible "
            "`.keras` zip file."
        )
    raise ValueError(
        f"File format not supported: filepath={filepath}. Keras 3 only supports V3 `.keras` "
        "files, legacy H5 format files (`.h5` extension). Note that the legacy SavedModel "
        "format is not supported by `load_model()` in Keras 3. In order to reload a TensorFlow "
        "SavedModel as an inference-only layer in Keras 3, use "
        f"`keras.layers.TFSMLayer({filepath}, call_endpoint='serving_default')` (note that "
        "your `call_endpoint` might have a different name)."
    )


def save_weights(model, filepath, overwrite=True, max_shard_size=None, **kwargs):
    """Save the weights: `.weights.h5` (Keras 3, with the optimizer state) or `.h5` (Keras 2).

    Args:
        max_shard_size: Keras 3 then writes sharded files; minikeras refuses, after Keras'
            own check of the file name.
    """
    name = str(filepath)
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    if max_shard_size is not None:
        if not name.endswith(("weights.h5", "weights.json")):
            raise ValueError(
                "The filename must end in `.weights.json` when `max_shard_size` is "
                f"specified. Received: filepath={name}"
            )
        raise ValueError(
            "minikeras does not write sharded weights: pass `max_shard_size=None` to save a "
            f"single `.weights.h5` file. Received: max_shard_size={max_shard_size}"
        )
    if not name.endswith((".weights.h5", *_LEGACY_SUFFIXES)):
        raise ValueError(f"The filename must end in `.weights.h5`. Received: filepath={name}")
    if os.path.exists(filepath) and not overwrite and not ask_to_proceed_with_overwrite(name):
        return
    if not model.built:
        raise ValueError(
            "You are saving a model that has not yet been built. Try building the model first "
            "by calling it on some data or by using `build()`."
        )
    if name.endswith(".weights.h5"):
        keras_v3.save_weights(model, filepath)
    else:
        legacy_h5.save_weights(model, filepath)


def load_weights(model, filepath, skip_mismatch=False, by_name=False, **kwargs):
    """Load weights from a `.keras`, `.weights.h5` or legacy `.h5` file.

    Args:
        skip_mismatch: warn and skip the weights whose shapes do not match.
        by_name: (legacy `.h5` only) match layers by name instead of by order.
    """
    if kwargs:
        raise ValueError(f"Invalid keyword arguments: {kwargs}")
    name = str(filepath)
    if not name.endswith((".keras", ".weights.h5", ".weights.json", *_LEGACY_SUFFIXES)):
        raise ValueError(
            f"File format not supported: filepath={filepath}. Keras 3 only supports V3 `.keras` "
            "files, `.weights.h5` files, legacy H5 format files (`.h5` extension), or Orbax "
            "checkpoints."
        )
    if name.endswith(".weights.json"):
        raise ValueError(f"minikeras does not read sharded weights. Received: {filepath}")
    legacy = not name.endswith(".keras") and _is_legacy_layout(filepath)
    if not legacy and by_name:
        raise ValueError(
            f"`by_name` only supports loading legacy '.h5' or '.hdf5' files. Received: {filepath}"
        )
    if legacy:
        return legacy_h5.load_weights(model, filepath, skip_mismatch, by_name)
    if not model.built:
        raise ValueError(
            "You are loading weights into a model that has not yet been built. Try building the "
            "model first by calling it on some data or by using `build()`."
        )
    keras_v3.load_weights(model, filepath, skip_mismatch)


def _is_legacy_layout(filepath):
    """Whether an HDF5 weights file uses the legacy layout (else Keras 3's `layers/.../vars`)."""
    with loading.reading(filepath), h5io.open_file(filepath, filepath) as h5file:
        kind = legacy_h5.layout(h5file)
    if kind is None:  # no telling by content: by name
        return not str(filepath).endswith(".weights.h5")
    return kind != "keras3"


def ask_to_proceed_with_overwrite(filepath):
    """Ask on the terminal whether to overwrite `filepath`, as Keras does."""
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    if answer == "n":
        return False
    print("[TIP] Next time specify overwrite=True!")
    return True
