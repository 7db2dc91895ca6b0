"""Convolution layers: `Conv1D/2D/3D`, their transposes, depthwise and separable ones."""

from minikeras.utils.lazy_names import lazy_names

_HOMES = {
    ".conv": ("Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D"),
    ".conv_transpose": (
        "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution1DTranspose",
        "Convolution2DTranspose", "Convolution3DTranspose",
    ),
    ".depthwise_conv": ("DepthwiseConv1D", "DepthwiseConv2D"),
    ".separable_conv": (
        "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
    ),
}
__all__, __getattr__, __dir__, _load_all = lazy_names(__name__, _HOMES)
