"""Normalization layers, as in `keras.layers`."""

from minikeras.utils.lazy_names import lazy_names

_HOMES = {
    ".batch_normalization": ("BatchNormalization",),
    ".group_normalization": ("GroupNormalization",),
    ".layer_normalization": ("LayerNormalization",),
    ".rms_normalization": ("RMSNormalization",),
    ".spectral_normalization": ("SpectralNormalization",),
    ".unit_normalization": ("UnitNormalization",),
}
__all__, __getattr__, __dir__, _load_all = lazy_names(__name__, _HOMES)
