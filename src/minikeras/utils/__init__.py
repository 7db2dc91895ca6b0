"""Utilities (`minikeras.utils`), as in `keras.utils`."""

from minikeras.backend import set_random_seed
from minikeras.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from minikeras.utils.numerical_utils import normalize, to_categorical
from minikeras.utils.dataset_utils import split_dataset
from minikeras.utils.image_dataset_utils import image_dataset_from_directory
from minikeras.utils.py_dataset import PyDataset, Sequence
from minikeras.utils.text_dataset_utils import text_dataset_from_directory
from minikeras.utils.timeseries_dataset_utils import timeseries_dataset_from_array


def __getattr__(name):
    # The progress bar is loaded on first use: it is not needed to import minikeras.
    if name == "Progbar":
        from minikeras.utils.progbar import Progbar

        return Progbar
    raise AttributeError(f"module 'minikeras.utils' has no attribute '{name}'")


__all__ = [
    "CustomObjectScope", "Progbar", "PyDataset", "Sequence", "custom_object_scope",
    "get_custom_objects", "get_registered_name", "get_registered_object",
    "image_dataset_from_directory", "normalize", "register_keras_serializable", "set_random_seed",
    "split_dataset", "text_dataset_from_directory", "timeseries_dataset_from_array",
    "to_categorical",
]
