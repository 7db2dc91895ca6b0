"""Pooling layers: windowed and global maxima and means."""

from minikeras.utils.lazy_names import lazy_names

_HOMES = {
    ".adaptive_pooling": (
        "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
        "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
    ),
    ".average_pooling": (
        "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
        "AvgPool3D",
    ),
    ".global_average_pooling1d": ("GlobalAveragePooling1D", "GlobalAvgPool1D"),
    ".global_max_pooling1d": ("GlobalMaxPooling1D", "GlobalMaxPool1D"),
    ".global_pooling": (
        "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalAvgPool2D", "GlobalAvgPool3D",
        "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    ),
    ".max_pooling": (
        "MaxPool1D", "MaxPool2D", "MaxPool3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    ),
}
__all__, __getattr__, __dir__, _load_all = lazy_names(__name__, _HOMES)
