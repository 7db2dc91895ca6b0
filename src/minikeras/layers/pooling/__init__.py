"""Pooling layers: windowed and global maxima and means."""

from minikeras.layers.pooling.average_pooling import (
    AveragePooling1D, AveragePooling2D, AveragePooling3D, AvgPool1D, AvgPool2D, AvgPool3D,
)
from minikeras.layers.pooling.global_average_pooling1d import GlobalAveragePooling1D
from minikeras.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D
from minikeras.layers.pooling.global_pooling import (
    GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalAvgPool2D, GlobalAvgPool3D,
    GlobalMaxPool2D, GlobalMaxPool3D, GlobalMaxPooling2D, GlobalMaxPooling3D,
)
from minikeras.layers.pooling.max_pooling import (
    MaxPool1D, MaxPool2D, MaxPool3D, MaxPooling1D, MaxPooling2D, MaxPooling3D,
)

__all__ = [
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
    "AvgPool3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool2D", "GlobalMaxPool3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "MaxPool1D", "MaxPool2D",
    "MaxPool3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
]
