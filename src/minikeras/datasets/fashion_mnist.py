"""Fashion-MNIST: 70,000 28x28 grayscale images of 10 kinds of clothing (Zalando SE, MIT)."""

import gzip
import os

import numpy as np

from minikeras.datasets import _files


def _read_idx(name, header_bytes, cache_dir):
    subdir = os.path.join("datasets", "fashion-mnist")
    path = _files.get_file(name, subdir=subdir, cache_dir=cache_dir)
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=header_bytes)


def load_data(cache_dir=None):
    """Load Fashion-MNIST from `~/.keras/datasets/fashion-mnist/` (its 4 gz files fetched once).

    Args:
        cache_dir: another cache root (Keras 2's argument).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images `(60000, 28, 28)` and
        `(10000, 28, 28)`, uint8 labels 0..9 (0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress,
        4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot).
    """
    splits = []
    for part in ("train", "t10k"):  # idx files: a big-endian header, then one byte per value
        y = _read_idx(f"{part}-labels-idx1-ubyte.gz", 8, cache_dir)
        x = _read_idx(f"{part}-images-idx3-ubyte.gz", 16, cache_dir).reshape(len(y), 28, 28)
        splits.append((x, y))
    return tuple(splits)
