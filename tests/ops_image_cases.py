"""`keras.ops.image.resize` cases replayed against Keras 3 on TensorFlow
(compat/make_ops_image.py records them; tests/test_ops_image.py replays them)."""

import numpy as np


def _images(shape, dtype="float32"):
    values = np.random.default_rng(sum(shape)).random(shape) * 255
    return values.astype(dtype)


CASES = {
    "bilinear batch": ((2, 5, 4, 3), "float32", (3, 7), {}),
    "single image": ((5, 6, 2), "float32", (4, 4), {}),
    "nearest": ((1, 4, 4, 1), "float32", (6, 3), {"interpolation": "nearest"}),
    "bicubic antialias": ((1, 8, 6, 2), "float32", (3, 4),
                          {"interpolation": "bicubic", "antialias": True}),
    "area": ((1, 6, 6, 1), "float32", (4, 2), {"interpolation": "area"}),
    "crop to aspect ratio": ((2, 6, 9, 1), "float32", (4, 4), {"crop_to_aspect_ratio": True}),
    "pad to aspect ratio": ((1, 4, 8, 2), "float32", (6, 6),
                            {"pad_to_aspect_ratio": True, "fill_value": 7.0}),
    "channels first": ((2, 3, 5, 4), "float32", (2, 3), {"data_format": "channels_first"}),
    "uint8": ((1, 5, 5, 3), "uint8", (3, 8), {}),
    "float64": ((1, 3, 3, 1), "float64", (5, 5), {}),
}


def run_case(keras, name):
    shape, dtype, size, options = CASES[name]
    return np.asarray(keras.ops.image.resize(_images(shape, dtype), size, **options))
