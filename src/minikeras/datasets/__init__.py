"""Datasets with Keras' loaders (`minikeras.datasets.mnist.load_data()`...), plus `digits`, shipped.

The Keras ones read the same cache as Keras (`~/.keras/datasets`, or `$KERAS_HOME/datasets`) and
download a missing file once; `digits` is bundled, so examples run offline.
"""

import importlib

# Each loader's module is imported on first use (PEP 562): `from minikeras.datasets import
# digits` reads a bundled file and needs neither the other loaders nor the download code.
__all__ = [
    "boston_housing", "california_housing", "cifar10", "cifar100", "digits", "fashion_mnist",
    "imdb", "mnist", "reuters",
]


def __getattr__(name):
    if name not in __all__:
        raise AttributeError(f"module 'minikeras.datasets' has no attribute '{name}'")
    return importlib.import_module(f"minikeras.datasets.{name}")  # binds itself here


def __dir__():
    return sorted(set(globals()) | set(__all__))
