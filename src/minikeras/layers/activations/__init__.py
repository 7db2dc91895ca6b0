"""Activation layers, as in `keras.layers` (Activation and Softmax are
`minikeras.layers.activation`)."""

from minikeras.utils.lazy_names import lazy_names

_HOMES = {
    ".elu": ("ELU",),
    ".leaky_relu": ("LeakyReLU",),
    ".prelu": ("PReLU",),
    ".relu": ("ReLU",),
    ".thresholded_relu": ("ThresholdedReLU",),
}
__all__, __getattr__, __dir__, _load_all = lazy_names(__name__, _HOMES)
