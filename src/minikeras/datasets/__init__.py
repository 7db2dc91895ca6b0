"""Datasets with Keras' loaders (`minikeras.datasets.mnist.load_data()`...), plus `digits`, shipped.

The Keras ones read the same cache as Keras (`~/.keras/datasets`, or `$KERAS_HOME/datasets`) and
download a missing file once; `digits` is bundled, so examples run offline.
"""

from minikeras.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    digits,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = [
    "boston_housing", "california_housing", "cifar10", "cifar100", "digits", "fashion_mnist",
    "imdb", "mnist", "reuters",
]
