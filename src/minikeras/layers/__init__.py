"""Layers (`minikeras.layers`), as in `keras.layers`.

Each name loads on first use (PEP 562): `minikeras.layers.Dense` imports the dense module and
what it needs, not the hundred other layer modules. A layer family's package (`.convolutional`,
`.pooling`, ...) knows which of its modules defines what, so a new layer is listed twice: in its
family's table and here under the family.
"""

from minikeras.utils.lazy_names import lazy_names

_HOMES = {
    ".activation": ("Activation", "Softmax"),
    ".activations": ("ELU", "LeakyReLU", "PReLU", "ReLU", "ThresholdedReLU"),
    ".attention.additive_attention": ("AdditiveAttention",),
    ".attention.attention": ("Attention",),
    ".attention.grouped_query_attention": ("GroupQueryAttention",),
    ".attention.multi_head_attention": ("MultiHeadAttention",),
    ".base": ("Layer", "Variable"),
    ".convolutional": (
        "Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose", "Conv3D", "Conv3DTranspose",
        "Convolution1D", "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose",
        "Convolution3D", "Convolution3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D",
        "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
    ),
    ".core": ("EinsumDense", "Embedding", "Identity", "Lambda", "Masking", "ReversibleEmbedding",
              "Wrapper"),
    ".dense": ("Dense",),
    ".dropout": ("Dropout",),
    ".input_layer": ("Input", "InputLayer", "KerasTensor"),
    ".input_spec": ("InputSpec",),
    ".merging": (
        "Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
        "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract",
    ),
    ".normalization": (
        "BatchNormalization", "GroupNormalization", "LayerNormalization", "RMSNormalization",
        "SpectralNormalization", "UnitNormalization",
    ),
    ".pooling": (
        "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
        "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D",
        "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
        "AvgPool3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
        "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D",
        "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
        "GlobalMaxPooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "MaxPooling1D",
        "MaxPooling2D", "MaxPooling3D",
    ),
    ".preprocessing": (
        "AutoContrast", "CategoryEncoding", "CenterCrop", "CutMix", "Discretization",
        "Equalization", "HashedCrossing", "Hashing", "IntegerLookup", "MelSpectrogram", "MixUp",
        "Normalization", "Pipeline", "RandomBrightness", "RandomColorDegeneration",
        "RandomColorJitter", "RandomContrast", "RandomCrop", "RandomElasticTransform",
        "RandomErasing", "RandomFlip", "RandomGaussianBlur", "RandomGrayscale", "RandomHue",
        "RandomInvert", "RandomPerspective", "RandomPosterization", "RandomRotation",
        "RandomSaturation", "RandomSharpness", "RandomShear", "RandomTranslation", "RandomZoom",
        "Rescaling", "Resizing", "Solarization", "STFTSpectrogram", "StringLookup",
        "TextVectorization",
    ),
    ".regularization": (
        "ActivityRegularization", "AlphaDropout", "GaussianDropout", "GaussianNoise",
        "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
    ),
    ".reshaping": (
        "Cropping1D", "Cropping2D", "Cropping3D", "Flatten", "Permute", "RepeatVector", "Reshape",
        "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
        "ZeroPadding3D",
    ),
    ".rnn.bidirectional": ("Bidirectional",),
    ".rnn.gru": ("GRU", "GRUCell"),
    ".rnn.lstm": ("LSTM", "LSTMCell"),
    ".rnn.rnn": ("RNN",),
    ".rnn.simple_rnn": ("SimpleRNN", "SimpleRNNCell"),
    ".rnn.stacked_rnn_cells": ("StackedRNNCells",),
    ".rnn.time_distributed": ("TimeDistributed",),
}
_NAMES, __getattr__, __dir__, _load_all = lazy_names(__name__, _HOMES)


def serialize(layer):
    """A layer's Keras 3 config dict."""
    from minikeras.saving import registry

    return registry.serialize(layer)


def deserialize(config, custom_objects=None):
    """A layer from its Keras 2 or Keras 3 config dict."""
    from minikeras.saving import registry

    return registry.deserialize("layer", config, custom_objects)


__all__ = [*_NAMES, "deserialize", "serialize"]
