"""Keras' preprocessing layers: they map raw features (numbers, integers, strings) to what
the trainable layers after them take, and learn their state (statistics, bins, vocabularies)
from data with `adapt`, not by training; `image_preprocessing/` resizes, crops and augments
images. The numeric ones (Normalization, Rescaling, the image layers) carry gradients."""

from minikeras.utils.lazy_names import lazy_names

_HOMES = {
    ".category_encoding": ("CategoryEncoding",),
    ".discretization": ("Discretization",),
    ".hashed_crossing": ("HashedCrossing",),
    ".hashing": ("Hashing",),
    ".image_preprocessing": (
        "AutoContrast", "CenterCrop", "CutMix", "Equalization", "MixUp", "RandomBrightness",
        "RandomColorDegeneration", "RandomColorJitter", "RandomContrast", "RandomCrop",
        "RandomElasticTransform", "RandomErasing", "RandomFlip", "RandomGaussianBlur",
        "RandomGrayscale", "RandomHue", "RandomInvert", "RandomPerspective", "RandomPosterization",
        "RandomRotation", "RandomSaturation", "RandomSharpness", "RandomShear", "RandomTranslation",
        "RandomZoom", "Resizing", "Solarization",
    ),
    ".integer_lookup": ("IntegerLookup",),
    ".mel_spectrogram": ("MelSpectrogram",),
    ".normalization": ("Normalization",),
    ".pipeline": ("Pipeline",),
    ".rescaling": ("Rescaling",),
    ".stft_spectrogram": ("STFTSpectrogram",),
    ".string_lookup": ("StringLookup",),
    ".text_vectorization": ("TextVectorization",),
}
__all__, __getattr__, __dir__, _load_all = lazy_names(__name__, _HOMES)
