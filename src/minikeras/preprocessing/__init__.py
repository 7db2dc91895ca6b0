"""`keras.preprocessing`: Keras 3's `image` and `sequence` functions, its three dataset builders
(`keras.utils`' own, as Keras 3 exports them here too), and the Keras 2 spellings old scripts
still use (`text.Tokenizer`, `image.ImageDataGenerator`)."""

from minikeras.preprocessing import image, sequence, text
from minikeras.utils.lazy_names import lazy_names

_names, __getattr__, __dir__, _load_all = lazy_names(__name__, {
    "minikeras.utils.image_dataset_utils": ["image_dataset_from_directory"],
    "minikeras.utils.text_dataset_utils": ["text_dataset_from_directory"],
    "minikeras.utils.timeseries_dataset_utils": ["timeseries_dataset_from_array"],
})
__all__ = ["image", "sequence", "text", *_names]
