"""Pooling layers, as in `keras.layers`."""

from minikeras.layers.pooling.global_average_pooling1d import GlobalAveragePooling1D
from minikeras.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D

__all__ = ["GlobalAveragePooling1D", "GlobalMaxPooling1D"]
