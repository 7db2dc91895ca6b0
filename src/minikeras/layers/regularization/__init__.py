"""Regularization layers, as in `keras.layers` (Dropout is `minikeras.layers.dropout`)."""

from minikeras.utils.lazy_names import lazy_names

_HOMES = {
    ".activity_regularization": ("ActivityRegularization",),
    ".alpha_dropout": ("AlphaDropout",),
    ".gaussian_dropout": ("GaussianDropout",),
    ".gaussian_noise": ("GaussianNoise",),
    ".spatial_dropout": ("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"),
}
__all__, __getattr__, __dir__, _load_all = lazy_names(__name__, _HOMES)
