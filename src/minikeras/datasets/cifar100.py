"""CIFAR-100: 60,000 32x32 colour images in 100 classes, grouped in 20 (Krizhevsky, 2009)."""

import os

from minikeras.datasets import _cifar

NAME = "cifar-100-python"
ARCHIVE = "cifar-100-python.tar.gz"
FILE_HASH = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"


def load_data(label_mode="fine"):
    """Load CIFAR-100 from the Keras cache, downloading `cifar-100-python.tar.gz` (161 MB) once.

    Args:
        label_mode: "fine" (100 classes) or "coarse" (20 superclasses).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images `(50000, 32, 32, 3)` and
        `(10000, 32, 32, 3)` (channels first if `image_data_format()` says so), uint8 labels of
        shape `(n, 1)`.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    folder = _cifar.folder(NAME, ARCHIVE, FILE_HASH, ["train", "test"])
    key = f"{label_mode}_labels"
    return (_cifar.arrange(*_cifar.load_batch(os.path.join(folder, "train"), key)),
            _cifar.arrange(*_cifar.load_batch(os.path.join(folder, "test"), key)))
