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
from minikeras.utils.py_dataset import PyDataset, Sequence


def __getattr__(name):
    # The progress bar is loaded on first use: it is not needed to import minikeras.
    if name == "Progbar":
        from minikeras.utils.progbar import Progbar

        return Progbar
    raise AttributeError(f"module 'minikeras.utils' has no attribute '{name}'")


__all__ = [
    "CustomObjectScope", "Progbar", "PyDataset", "Sequence", "custom_object_scope", "get_custom_objects",
    "get_registered_name", "get_registered_object", "normalize", "register_keras_serializable",
    "set_random_seed", "to_categorical",
]
