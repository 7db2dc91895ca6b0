"""CIFAR-10: 60,000 32x32 colour images in 10 classes (Krizhevsky, 2009)."""

import os

import numpy as np

from minikeras.datasets import _cifar

NAME = "cifar-10-batches-py"
ARCHIVE = "cifar-10-python.tar.gz"
FILE_HASH = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
TRAIN_FILES = [f"data_batch_{i}" for i in range(1, 6)]


def load_data():
    """Load CIFAR-10 from the Keras cache, downloading `cifar-10-python.tar.gz` (163 MB) once.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images `(50000, 32, 32, 3)` and
        `(10000, 32, 32, 3)` (channels first if `image_data_format()` says so), uint8 labels
        0..9 of shape `(n, 1)`.
    """
    folder = _cifar.folder(NAME, ARCHIVE, FILE_HASH, TRAIN_FILES + ["test_batch"])
    batches = [_cifar.load_batch(os.path.join(folder, name)) for name in TRAIN_FILES]
    x_train = np.concatenate([images for images, _ in batches])
    y_train = np.concatenate([np.asarray(labels) for _, labels in batches])
    test = _cifar.load_batch(os.path.join(folder, "test_batch"))
    return _cifar.arrange(x_train, y_train), _cifar.arrange(*test)
