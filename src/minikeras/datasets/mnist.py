"""MNIST: 70,000 28x28 grayscale images of handwritten digits (LeCun & Cortes, CC BY-SA 3.0)."""

from minikeras.datasets import _files


def load_data(path="mnist.npz", cache_dir=None):
    """Load MNIST from the Keras cache, downloading `mnist.npz` (11 MB) on first use.

    Args:
        path: file name inside the cache folder `~/.keras/datasets` (or `$KERAS_HOME/datasets`).
        cache_dir: another cache root (Keras 2's argument).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images `(60000, 28, 28)` and
        `(10000, 28, 28)` with values 0..255, uint8 labels 0..9.
    """
    f = _files.read_npz(_files.get_file(path, "mnist.npz", cache_dir=cache_dir))
    return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
