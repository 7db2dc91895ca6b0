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
from minikeras.utils.file_utils import get_file
from minikeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from minikeras.utils.numerical_utils import normalize, to_categorical
from minikeras.utils.sequence_utils import pad_sequences
from minikeras.utils.dataset_utils import split_dataset
from minikeras.utils.image_dataset_utils import image_dataset_from_directory
from minikeras.utils.py_dataset import PyDataset, Sequence
from minikeras.utils.text_dataset_utils import text_dataset_from_directory
from minikeras.utils.timeseries_dataset_utils import timeseries_dataset_from_array


def __getattr__(name):
    # Loaded on first use: they are not needed to import minikeras.
    if name == "Progbar":
        from minikeras.utils.progbar import Progbar

        return Progbar
    if name in ("model_to_dot", "plot_model"):
        from minikeras.utils import model_visualization

        return getattr(model_visualization, name)
    raise AttributeError(f"module 'minikeras.utils' has no attribute '{name}'")


__all__ = [
    "CustomObjectScope", "Progbar", "PyDataset", "Sequence", "array_to_img",
    "custom_object_scope", "get_custom_objects", "get_file", "get_registered_name",
    "get_registered_object", "image_dataset_from_directory", "img_to_array", "load_img",
    "model_to_dot", "normalize", "pad_sequences", "plot_model", "register_keras_serializable",
    "save_img", "set_random_seed", "split_dataset", "text_dataset_from_directory",
    "timeseries_dataset_from_array",
    "to_categorical",
]
