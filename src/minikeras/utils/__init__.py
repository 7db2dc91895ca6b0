"""Utilities (`minikeras.utils`), as in `keras.utils`.

Each name is imported on first use (PEP 562): `import minikeras` needs none of them, and some
pull in heavy modules (`get_file` urllib and ssl, the dataset builders threads and files).
"""

import importlib

_HOMES = {
    "clear_session": "minikeras.backend",
    "disable_interactive_logging": "minikeras.backend",
    "enable_interactive_logging": "minikeras.backend",
    "is_interactive_logging_enabled": "minikeras.backend",
    "set_random_seed": "minikeras.backend",
    "standardize_dtype": "minikeras.backend",
    "get_source_inputs": "minikeras.layers.node",
    "is_keras_tensor": "minikeras.layers.node",
    "pack_x_y_sample_weight": "minikeras.models.data",
    "unpack_x_y_sample_weight": "minikeras.models.data",
    "deserialize_keras_object": "minikeras.saving",
    "serialize_keras_object": "minikeras.saving",
    "CustomObjectScope": "minikeras.saving.registry",
    "custom_object_scope": "minikeras.saving.registry",
    "get_custom_objects": "minikeras.saving.registry",
    "get_registered_name": "minikeras.saving.registry",
    "get_registered_object": "minikeras.saving.registry",
    "register_keras_serializable": "minikeras.saving.registry",
    "audio_dataset_from_directory": "minikeras.utils.audio_dataset_utils",
    "Config": "minikeras.utils.config",
    "FeatureSpace": "minikeras.utils.feature_space",
    "get_file": "minikeras.utils.file_utils",
    "array_to_img": "minikeras.utils.image_utils",
    "img_to_array": "minikeras.utils.image_utils",
    "load_img": "minikeras.utils.image_utils",
    "save_img": "minikeras.utils.image_utils",
    "normalize": "minikeras.utils.numerical_utils",
    "to_categorical": "minikeras.utils.numerical_utils",
    "pad_sequences": "minikeras.utils.sequence_utils",
    "split_dataset": "minikeras.utils.dataset_utils",
    "image_dataset_from_directory": "minikeras.utils.image_dataset_utils",
    "PyDataset": "minikeras.utils.py_dataset",
    "Sequence": "minikeras.utils.py_dataset",
    "text_dataset_from_directory": "minikeras.utils.text_dataset_utils",
    "timeseries_dataset_from_array": "minikeras.utils.timeseries_dataset_utils",
    "Progbar": "minikeras.utils.progbar",
    "model_to_dot": "minikeras.utils.model_visualization",
    "plot_model": "minikeras.utils.model_visualization",
}


def __getattr__(name):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'minikeras.utils' has no attribute '{name}'")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def _load_all():
    """Import the utilities that register classes files name (the serialization registry's
    look-up of a name no package lists): `FeatureSpace` and its layers."""
    importlib.import_module("minikeras.utils.feature_space")


def __dir__():
    return sorted(set(globals()) | set(_HOMES))


__all__ = sorted(_HOMES)
