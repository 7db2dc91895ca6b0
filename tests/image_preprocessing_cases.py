"""The image preprocessing and augmentation layers compared with real Keras, shared by
compat/make_image_preprocessing.py (Keras 3 on TensorFlow and tf_keras; writes
compat/data/image_preprocessing.{json,npz} and data/files/image/) and
tests/test_image_preprocessing.py (replays them on minikeras).

Only numpy and the standard library here: the same code runs under both libraries.
"""

import numpy as np

CF = {"data_format": "channels_first"}

# Deterministic calls: name -> (class name, keyword arguments, input shape)
DETERMINISTIC = {
    **{f"resize_{method}_{way}": ("Resizing", dict(height=h, width=w, interpolation=method), s)
       for method in ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")
       for way, (h, w, s) in {"up": (9, 11, (2, 5, 6, 3)), "down": (3, 4, (2, 7, 10, 2))}.items()},
    **{f"resize_{method}_antialias_{way}": (
        "Resizing", dict(height=h, width=w, interpolation=method, antialias=True), s)
       for method in ("bilinear", "bicubic", "lanczos3")
       for way, (h, w, s) in {"up": (9, 8, (2, 5, 6, 3)), "down": (3, 4, (2, 8, 11, 2))}.items()},
    "resize_bilinear_mixed": ("Resizing", dict(height=4, width=13), (2, 9, 5, 2)),
    "resize_crop_to_aspect_wide": ("Resizing", dict(height=4, width=4, crop_to_aspect_ratio=True),
                                   (2, 7, 10, 2)),
    "resize_crop_to_aspect_tall": ("Resizing", dict(height=3, width=5, crop_to_aspect_ratio=True,
                                                    interpolation="nearest"), (2, 9, 6, 1)),
    "resize_pad_to_aspect_rows": ("Resizing", dict(height=6, width=6, pad_to_aspect_ratio=True,
                                                   fill_value=3.5), (2, 5, 9, 2)),
    "resize_pad_to_aspect_columns_odd": ("Resizing", dict(
        height=4, width=6, pad_to_aspect_ratio=True), (2, 9, 5, 2)),
    "resize_bicubic_cf": ("Resizing", dict(height=7, width=4, interpolation="bicubic", **CF),
                          (2, 3, 5, 6)),
    "resize_crop_cf": ("Resizing", dict(height=4, width=4, crop_to_aspect_ratio=True, **CF),
                       (2, 2, 6, 9)),
    "resize_unbatched": ("Resizing", dict(height=3, width=7), (5, 6, 3)),
    "center_crop": ("CenterCrop", dict(height=4, width=5), (2, 7, 8, 3)),
    "center_crop_even": ("CenterCrop", dict(height=2, width=6), (2, 6, 6, 2)),
    "center_crop_smaller": ("CenterCrop", dict(height=7, width=4), (2, 5, 6, 2)),
    "center_crop_cf": ("CenterCrop", dict(height=3, width=3, **CF), (2, 2, 6, 7)),
    "center_crop_unbatched": ("CenterCrop", dict(height=3, width=3), (6, 7, 2)),
    # RandomCrop on images not larger than its target is deterministic (a centred resize).
    "random_crop_not_larger": ("RandomCrop", dict(height=5, width=8, seed=1), (2, 7, 8, 2)),
}

# Random layers in training, replayed from the transformation Keras drew:
# name -> (class name, keyword arguments, input shape)
RANDOM = {
    **{f"rotation_{fill}_{interpolation}": ("RandomRotation", dict(
        factor=0.4, fill_mode=fill, interpolation=interpolation, fill_value=7.5), (3, 7, 8, 2))
       for fill in ("reflect", "wrap", "constant", "nearest")
       for interpolation in ("bilinear", "nearest")},
    "rotation_cf": ("RandomRotation", dict(factor=(-0.2, 0.3), **CF), (2, 2, 6, 5)),
    **{f"zoom_{fill}": ("RandomZoom", dict(height_factor=(-0.5, 0.9), width_factor=(-0.3, 0.8),
                                           fill_mode=fill), (3, 7, 8, 2))
       for fill in ("reflect", "wrap", "constant", "nearest")},
    "zoom_keep_aspect_nearest": ("RandomZoom", dict(height_factor=0.5, interpolation="nearest"),
                                 (3, 6, 9, 1)),
    "zoom_cf": ("RandomZoom", dict(height_factor=0.3, width_factor=0.3, **CF), (2, 2, 6, 5)),
    **{f"translation_{fill}": ("RandomTranslation", dict(
        height_factor=1.0, width_factor=(-1.0, 0.7), fill_mode=fill, fill_value=-2.0),
        (4, 6, 7, 2)) for fill in ("reflect", "wrap", "constant", "nearest")},
    "translation_nearest_cf": ("RandomTranslation", dict(
        height_factor=0.3, width_factor=0.2, interpolation="nearest", **CF), (2, 2, 6, 5)),
    "flip": ("RandomFlip", {}, (6, 4, 5, 2)),
    "flip_horizontal": ("RandomFlip", dict(mode="horizontal"), (6, 4, 5, 2)),
    "flip_vertical_cf": ("RandomFlip", dict(mode="vertical", **CF), (6, 2, 4, 5)),
    "contrast": ("RandomContrast", dict(factor=0.6), (3, 5, 6, 3)),
    "contrast_unit_range": ("RandomContrast", dict(factor=(0.2, 0.9), value_range=(0, 1)),
                            (3, 5, 6, 3)),
    "contrast_cf": ("RandomContrast", dict(factor=0.5, **CF), (3, 3, 5, 6)),
    "brightness": ("RandomBrightness", dict(factor=0.4), (3, 5, 6, 3)),
    "brightness_unit_range": ("RandomBrightness", dict(factor=(-0.6, 0.2), value_range=(1, 0)),
                              (3, 5, 6, 3)),
}

# What each random layer's Keras 3 transformation holds that minikeras replays.
TRANSFORMATION_KEYS = {
    "RandomRotation": ("angle",), "RandomZoom": ("height_zoom", "width_zoom"),
    "RandomTranslation": ("translations",), "RandomFlip": ("flips",),
    "RandomContrast": ("contrast_factor",), "RandomBrightness": ("rgb_delta",),
}


def images(name, shape):
    """Pixels in [0, 255] (or [0, 1] for the unit-range cases), from the case's name."""
    rng = np.random.default_rng(sum(map(ord, name)))
    scale = 1.0 if "unit_range" in name else 255.0
    return (rng.uniform(0, 1, shape) * scale).astype("float32")


def upstream(name, shape):
    rng = np.random.default_rng(sum(map(ord, name)) + 1)
    return rng.normal(size=shape).astype("float32")


# Sequential models with every image layer, saved by both generations (RandomCrop only in
# tf_keras' model: Keras 3.15's RandomCrop returns its input uncropped at inference).
def model_specs(which):
    augment = [
        ("RandomFlip", dict(seed=1)), ("RandomRotation", dict(factor=0.1, seed=2)),
        ("RandomZoom", dict(height_factor=0.2, seed=3)),
        ("RandomTranslation", dict(height_factor=0.1, width_factor=0.1, seed=4)),
        ("RandomContrast", dict(factor=0.2, seed=5)),
        ("RandomBrightness", dict(factor=0.1, seed=6)),
    ]
    head = [("Conv2D", dict(filters=2, kernel_size=3, activation="relu")), ("Flatten", {}),
            ("Dense", dict(units=3, activation="softmax"))]
    specs = {
        "augment_resize": ((9, 12, 3), [("Resizing", dict(height=8, width=8)), *augment,
                                        ("CenterCrop", dict(height=6, width=6)), *head]),
        "resize_methods": ((10, 7, 2), [
            ("Resizing", dict(height=8, width=8, interpolation="bicubic",
                              crop_to_aspect_ratio=True)),
            ("Resizing", dict(height=6, width=5, interpolation="area")),
            ("Resizing", dict(height=7, width=7, interpolation="nearest")), *head]),
    }
    if which == "k2":
        specs["random_crop"] = ((9, 10, 2), [("RandomCrop", dict(height=6, width=6, seed=7)),
                                             *head])
    else:
        specs["resize_pad_antialias"] = ((9, 6, 2), [
            ("Resizing", dict(height=6, width=6, pad_to_aspect_ratio=True, fill_value=1.0)),
            ("Resizing", dict(height=4, width=4, antialias=True)), *head])
    return specs


def model_data(name, input_shape, output_width):
    rng = np.random.default_rng(sum(map(ord, name)))
    x = rng.uniform(0, 255, (4, *input_shape)).astype("float32")
    train_x = rng.uniform(0, 255, (16, *input_shape)).astype("float32")
    train_y = np.eye(output_width, dtype="float32")[rng.integers(0, output_width, 16)]
    return x, train_x, train_y


def initial_weights(shapes, seed):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.05, 0.05, s).astype("float32") for s in shapes]
