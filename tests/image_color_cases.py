"""Keras 3's colour layers compared with real Keras, shared by compat/make_image_color.py
(Keras 3 on TensorFlow; writes compat/data/image_color.{json,npz}) and
tests/test_image_color_layers.py (replays them on minikeras).

Only numpy and the standard library here: the same code runs under both libraries.
"""

import numpy as np

CF = {"data_format": "channels_first"}
UNIT = {"value_range": (0, 1)}

# Deterministic calls: name -> (class name, keyword arguments, input shape)
DETERMINISTIC = {
    "auto_contrast": ("AutoContrast", {}, (3, 5, 6, 3)),
    "auto_contrast_unit_range": ("AutoContrast", UNIT, (3, 5, 6, 3)),
    "auto_contrast_constant_channel": ("AutoContrast", {}, (2, 4, 5, 3)),
    "auto_contrast_cf": ("AutoContrast", CF, (2, 3, 5, 6)),
    "auto_contrast_unbatched": ("AutoContrast", dict(value_range=(-1, 1)), (5, 6, 3)),
    # Equalization has no draws (and equalizes in training only)
    "equalization": ("Equalization", {}, (3, 8, 9, 3)),
    "equalization_bins_unit_range": ("Equalization", dict(bins=16, **UNIT), (2, 8, 9, 3)),
    "equalization_constant_channel_cf": ("Equalization", dict(bins=64, **CF), (2, 3, 6, 7)),
    "equalization_unbatched": ("Equalization", dict(bins=32, value_range=(-1, 1)), (6, 7, 2)),
}

# Random layers in training, replayed from the transformation Keras drew:
# name -> (class name, keyword arguments, input shape)
RANDOM = {
    "grayscale": ("RandomGrayscale", {}, (8, 4, 5, 3)),
    "grayscale_cf": ("RandomGrayscale", dict(factor=0.7, **CF), (6, 3, 4, 5)),
    "grayscale_one_channel": ("RandomGrayscale", dict(factor=1.0), (3, 4, 5, 1)),
    "grayscale_unbatched": ("RandomGrayscale", dict(factor=1.0), (4, 5, 3)),
    "invert": ("RandomInvert", {}, (8, 4, 5, 3)),
    "invert_unit_range": ("RandomInvert", dict(factor=(0.3, 0.9), **UNIT), (8, 4, 5, 3)),
    "invert_unbatched_cf": ("RandomInvert", dict(factor=1.0, **CF), (3, 4, 5)),
    "solarization": ("Solarization", {}, (3, 5, 6, 3)),
    "solarization_threshold": ("Solarization", dict(
        addition_factor=(0.1, 0.3), threshold_factor=0.5), (4, 5, 6, 3)),
    "solarization_unit_range": ("Solarization", dict(
        addition_factor=0.2, threshold_factor=(0.4, 0.6), value_range=(1, 0)), (4, 5, 6, 3)),
    "solarization_unbatched": ("Solarization", dict(threshold_factor=0.7), (5, 6, 3)),
    "posterization": ("RandomPosterization", dict(factor=4), (4, 5, 6, 3)),
    "posterization_range": ("RandomPosterization", dict(factor=(3, 8)), (6, 5, 6, 3)),
    "posterization_fixed_cf": ("RandomPosterization", dict(factor=(5, 5), **CF), (2, 3, 5, 6)),
    "posterization_unit_range": ("RandomPosterization", dict(factor=(2, 6), **UNIT),
                                 (4, 5, 6, 3)),
    "saturation": ("RandomSaturation", dict(factor=0.8), (6, 4, 5, 3)),
    "saturation_range_unit_range": ("RandomSaturation", dict(factor=(0.3, 0.9), **UNIT),
                                    (6, 4, 5, 3)),
    "saturation_cf": ("RandomSaturation", dict(factor=(0.6, 0.7), **CF), (3, 3, 4, 5)),
    "saturation_unbatched": ("RandomSaturation", dict(factor=(0.1, 0.4)), (4, 5, 3)),
    "hue": ("RandomHue", dict(factor=0.8), (8, 4, 5, 3)),
    "hue_unit_range": ("RandomHue", dict(factor=(0.4, 1.0), **UNIT), (6, 4, 5, 3)),
    "hue_cf": ("RandomHue", dict(factor=0.5, value_range=(0, 100), **CF), (4, 3, 4, 5)),
    "hue_unbatched": ("RandomHue", dict(factor=1.0), (4, 5, 3)),
    "color_degeneration": ("RandomColorDegeneration", dict(factor=0.8), (6, 4, 5, 3)),
    "color_degeneration_unit_range_cf": ("RandomColorDegeneration", dict(
        factor=(0.2, 1.0), **UNIT, **CF), (4, 3, 4, 5)),
    "color_degeneration_one_channel": ("RandomColorDegeneration", dict(factor=0.5),
                                       (3, 4, 5, 1)),
    "color_degeneration_unbatched": ("RandomColorDegeneration", dict(factor=(-1, -0.5)),
                                     (4, 5, 3)),
    "sharpness": ("RandomSharpness", dict(factor=0.9), (4, 5, 6, 3)),
    "sharpness_unit_range": ("RandomSharpness", dict(factor=(0.1, 0.4), **UNIT), (4, 5, 6, 2)),
    "sharpness_cf": ("RandomSharpness", dict(factor=(0.6, 1.0), **CF), (3, 2, 5, 4)),
    "sharpness_unbatched": ("RandomSharpness", dict(factor=0.7), (6, 5, 1)),
    "color_jitter": ("RandomColorJitter", dict(
        brightness_factor=0.3, contrast_factor=0.4, saturation_factor=0.6, hue_factor=0.5),
        (4, 5, 6, 3)),
    "color_jitter_unit_range": ("RandomColorJitter", dict(
        brightness_factor=(-0.2, 0.1), hue_factor=(0.2, 0.4), **UNIT), (4, 5, 6, 3)),
    "color_jitter_contrast_saturation": ("RandomColorJitter", dict(
        contrast_factor=(0.1, 0.8), saturation_factor=0.9), (3, 5, 6, 3)),
    "color_jitter_unbatched": ("RandomColorJitter", dict(
        brightness_factor=0.2, saturation_factor=(0.3, 0.4)), (5, 6, 3)),
}

# What each random layer's Keras 3 transformation holds that minikeras replays (None: the
# transformation is one array, not a dict).
TRANSFORMATION_KEYS = {
    "RandomGrayscale": None, "RandomInvert": ("apply_inversion",),
    "Solarization": ("additions", "thresholds"), "RandomPosterization": ("shift_factor",),
    "RandomSaturation": ("factor",), "RandomHue": ("factor",),
    "RandomColorDegeneration": ("factor",), "RandomSharpness": ("factor",),
    "RandomColorJitter": "adjustments",  # each adjustment's, by JITTER_KEYS
}

# RandomColorJitter's adjustments (its layers' attributes in Keras) and what each one's
# transformation holds.
JITTER_KEYS = {"brightness": "rgb_delta", "contrast": "contrast_factor",
               "saturation": "factor", "hue": "factor"}


def images(name, shape):
    """Pixels in [0, 255] (or [0, 1] for the unit-range cases, [-1, 1] for `value_range=(-1,
    1)`), from the case's name; the constant-channel case has one of its channels constant."""
    rng = np.random.default_rng(sum(map(ord, name)))
    x = rng.uniform(0, 1, shape)
    if "unit_range" not in name:
        x = x * 255.0
    if name in ("auto_contrast_unbatched", "equalization_unbatched"):
        x = x / 127.5 - 1
    if name == "hue_cf":
        x = x * 100 / 255
    if name == "auto_contrast_constant_channel":
        x[0, ..., 1] = x[0, 0, 0, 1]
    if name == "equalization_constant_channel_cf":  # a channel within one bin (of the batch)
        x[:, 1] = 100.0 + x[:, 1] / 255
    return x.astype("float32")


def upstream(name, shape):
    rng = np.random.default_rng(sum(map(ord, name)) + 1)
    return rng.normal(size=shape).astype("float32")


# A Sequential model with every colour layer but Equalization (whose symbolic output is its
# input in Keras 3.15: a model of it is a cycle), saved by Keras 3 (.keras) with inputs and
# predictions (at inference only AutoContrast transforms).
MODEL_INPUT = (7, 8, 3)
MODEL_LAYERS = [
    ("RandomGrayscale", dict(factor=0.4, seed=1)), ("RandomInvert", dict(seed=2)),
    ("Solarization", dict(addition_factor=0.1, threshold_factor=0.6, seed=3)),
    ("RandomPosterization", dict(factor=(3, 6), seed=4)),
    ("RandomSaturation", dict(factor=0.7, seed=5)), ("RandomHue", dict(factor=0.3, seed=6)),
    ("RandomColorDegeneration", dict(factor=0.5, seed=7)),
    ("RandomSharpness", dict(factor=0.6, seed=8)),
    ("RandomColorJitter", dict(brightness_factor=0.2, contrast_factor=0.3,
                               saturation_factor=0.4, hue_factor=0.1, seed=9)),
    ("AutoContrast", dict(value_range=(0, 255))),
    ("Conv2D", dict(filters=2, kernel_size=3, activation="relu")), ("Flatten", {}),
    ("Dense", dict(units=3, activation="softmax")),
]


def model_data():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 255, (4, *MODEL_INPUT)).astype("float32")
    weights = lambda shapes: [rng.uniform(-0.01, 0.01, s).astype("float32")  # noqa: E731
                              for s in shapes]
    return x, weights

