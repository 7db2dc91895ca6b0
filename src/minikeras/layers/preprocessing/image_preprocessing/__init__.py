"""Keras 3's image preprocessing and augmentation layers (one module each): Resizing and
CenterCrop always transform; the random layers transform in training only (seeded, one draw
per call) and are the identity at inference (RandomCrop then resizes its centre). Their
gradients are the transforms' adjoints (every one is linear in the pixels, or clipped), so
they may sit anywhere in a model; Keras 3 on TensorFlow differentiates through them too."""

from minikeras.utils.lazy_names import lazy_names

_HOMES = {
    ".auto_contrast": ("AutoContrast",),
    ".center_crop": ("CenterCrop",),
    ".cut_mix": ("CutMix",),
    ".equalization": ("Equalization",),
    ".mix_up": ("MixUp",),
    ".random_brightness": ("RandomBrightness",),
    ".random_color_degeneration": ("RandomColorDegeneration",),
    ".random_color_jitter": ("RandomColorJitter",),
    ".random_contrast": ("RandomContrast",),
    ".random_crop": ("RandomCrop",),
    ".random_elastic_transform": ("RandomElasticTransform",),
    ".random_erasing": ("RandomErasing",),
    ".random_flip": ("RandomFlip",),
    ".random_gaussian_blur": ("RandomGaussianBlur",),
    ".random_grayscale": ("RandomGrayscale",),
    ".random_hue": ("RandomHue",),
    ".random_invert": ("RandomInvert",),
    ".random_perspective": ("RandomPerspective",),
    ".random_posterization": ("RandomPosterization",),
    ".random_rotation": ("RandomRotation",),
    ".random_saturation": ("RandomSaturation",),
    ".random_sharpness": ("RandomSharpness",),
    ".random_shear": ("RandomShear",),
    ".random_translation": ("RandomTranslation",),
    ".random_zoom": ("RandomZoom",),
    ".resizing": ("Resizing",),
    ".solarization": ("Solarization",),
}
__all__, __getattr__, __dir__, _load_all = lazy_names(__name__, _HOMES)
