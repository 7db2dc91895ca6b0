"""Reshaping layers, as in `keras.layers`: Flatten, Reshape, and the padding, cropping,
upsampling, permuting and repeating ones."""

from minikeras.utils.lazy_names import lazy_names

_HOMES = {
    ".cropping": ("Cropping2D", "Cropping3D"),
    ".cropping1d": ("Cropping1D",),
    ".flatten": ("Flatten",),
    ".permute": ("Permute",),
    ".repeat_vector": ("RepeatVector",),
    ".reshape": ("Reshape",),
    ".up_sampling": ("UpSampling2D", "UpSampling3D"),
    ".up_sampling1d": ("UpSampling1D",),
    ".zero_padding": ("ZeroPadding2D", "ZeroPadding3D"),
    ".zero_padding1d": ("ZeroPadding1D",),
}
__all__, __getattr__, __dir__, _load_all = lazy_names(__name__, _HOMES)
