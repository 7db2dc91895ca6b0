"""The erasing, blurring, warping and mixing augmentation layers (RandomErasing,
RandomGaussianBlur, RandomShear, RandomPerspective, MixUp, CutMix, RandomElasticTransform)
compared with Keras 3, shared by compat/make_image_mixing.py (Keras 3 on TensorFlow; writes
compat/data/image_mixing.{json,npz}) and tests/test_image_mixing_layers.py (replays them).

Only numpy and the standard library here."""

import numpy as np

CF = {"data_format": "channels_first"}

# Random layers in training, replayed from the transformation Keras drew:
# name -> (class name, keyword arguments, input shape)
RANDOM = {
    "erasing": ("RandomErasing", {}, (4, 7, 8, 3)),
    "erasing_constant": ("RandomErasing", dict(fill_value=300.0, scale=(0.2, 0.6)), (4, 7, 8, 2)),
    "erasing_per_channel": ("RandomErasing", dict(fill_value=[10.0, -5.0, 99.0], factor=(0.4, 1.0)),
                            (5, 6, 7, 3)),
    "erasing_unit_range": ("RandomErasing", dict(value_range=(0, 1), scale=0.5), (4, 6, 6, 1)),
    "erasing_cf": ("RandomErasing", dict(fill_value=1.5, scale=(0.1, 0.9), **CF), (3, 2, 6, 7)),
    "erasing_unbatched": ("RandomErasing", dict(fill_value=3.0, scale=(0.3, 0.5)), (7, 8, 2)),
    "blur": ("RandomGaussianBlur", {}, (4, 7, 8, 3)),
    "blur_kernel_5": ("RandomGaussianBlur", dict(kernel_size=5, sigma=(0.3, 0.9)), (3, 8, 9, 2)),
    "blur_kernel_3_5": ("RandomGaussianBlur", dict(kernel_size=(3, 5), factor=0.6),
                        (5, 6, 9, 2)),
    "blur_unit_range": ("RandomGaussianBlur", dict(value_range=(0.2, 0.8)), (3, 6, 7, 2)),
    "blur_cf": ("RandomGaussianBlur", dict(kernel_size=(5, 3), **CF), (3, 2, 7, 6)),
    "blur_unbatched": ("RandomGaussianBlur", dict(sigma=0.5), (6, 7, 3)),
    **{f"shear_{fill}": ("RandomShear", dict(x_factor=0.4, y_factor=(0.1, 0.3), fill_mode=fill,
                                             fill_value=7.5), (4, 7, 8, 2))
       for fill in ("reflect", "wrap", "constant", "nearest")},
    "shear_x_nearest": ("RandomShear", dict(x_factor=(0.2, 0.9), interpolation="nearest"),
                        (4, 6, 7, 1)),
    "shear_y_cf": ("RandomShear", dict(y_factor=0.5, **CF), (3, 2, 6, 7)),
    "shear_unbatched": ("RandomShear", dict(x_factor=0.3, y_factor=0.3), (6, 7, 2)),
    "perspective": ("RandomPerspective", {}, (4, 7, 8, 2)),
    "perspective_nearest": ("RandomPerspective", dict(scale=0.5, interpolation="nearest",
                                                      fill_value=3.0), (4, 7, 8, 2)),
    "perspective_factor": ("RandomPerspective", dict(factor=(0.3, 0.7), scale=0.8),
                           (6, 6, 7, 1)),
    "perspective_cf": ("RandomPerspective", dict(scale=0.6, **CF), (3, 2, 6, 7)),
    "perspective_unbatched": ("RandomPerspective", dict(scale=0.4), (6, 7, 2)),
    "mix_up": ("MixUp", {}, (5, 6, 7, 3)),
    "mix_up_labels": ("MixUp", dict(alpha=1.0), (6, 5, 6, 2)),
    "mix_up_cf": ("MixUp", dict(alpha=0.5, **CF), (4, 2, 5, 6)),
    "mix_up_unbatched": ("MixUp", dict(alpha=0.7), (5, 6, 2)),
    "cut_mix": ("CutMix", {}, (5, 7, 8, 3)),
    "cut_mix_labels": ("CutMix", dict(factor=(0.3, 0.8)), (6, 7, 6, 2)),
    "cut_mix_cf": ("CutMix", dict(factor=0.5, **CF), (4, 2, 7, 8)),
    "elastic": ("RandomElasticTransform", {}, (3, 24, 30, 2)),
    "elastic_nearest_constant": ("RandomElasticTransform", dict(
        interpolation="nearest", fill_mode="constant", fill_value=9.0), (3, 26, 22, 1)),
    "elastic_wrap": ("RandomElasticTransform", dict(fill_mode="wrap", scale=(0.5, 1.0),
                                                    factor=0.7), (4, 22, 25, 2)),
    "elastic_nearest_fill": ("RandomElasticTransform", dict(fill_mode="nearest",
                                                            value_range=(20, 200)),
                             (3, 21, 23, 2)),
    "elastic_cf": ("RandomElasticTransform", dict(**CF), (3, 2, 22, 24)),
    "elastic_unbatched": ("RandomElasticTransform", dict(scale=0.8), (23, 21, 2)),
}

# What each layer's Keras 3 transformation holds that minikeras replays.
TRANSFORMATION_KEYS = {
    "RandomErasing": ("apply_erasing", "batch_masks", "fill_value"),
    "RandomGaussianBlur": ("should_apply_blur", "blur_factor"),
    "RandomShear": ("shear_factor",),
    "RandomPerspective": ("apply_perspective", "start_points", "end_points"),
    "MixUp": ("mix_weight", "permutation_order"),
    "CutMix": ("permutation_order", "batch_masks", "mix_weight"),
    "RandomElasticTransform": ("apply_transform", "distortion_factor"),
}

# The integer seed RandomElasticTransform's cases draw with (Keras' transform reads its normal
# draw from it, recorded as `<case>/noise`).
ELASTIC_SEED = 1234


def images(name, shape):
    """Pixels in [0, 255] (or [0, 1] for the unit-range cases), from the case's name."""
    rng = np.random.default_rng(sum(map(ord, name)))
    scale = 1.0 if "unit_range" in name else 255.0
    return (rng.uniform(0, 1, shape) * scale).astype("float32")


def labels(name, shape):
    """One-hot labels of 4 classes for the `_labels` cases (None for the others)."""
    if not name.endswith("_labels"):
        return None
    rng = np.random.default_rng(sum(map(ord, name)) + 2)
    return np.eye(4, dtype="float32")[rng.integers(0, 4, shape[0])]


def upstream(name, shape):
    rng = np.random.default_rng(sum(map(ord, name)) + 1)
    return rng.normal(size=shape).astype("float32")


# Pipelines of image layers: name -> ([(class name, keyword arguments)], input shape, training).
# Keras writes each (serialize_keras_object); minikeras loads that and computes its output.
PIPELINES = {
    "pipeline_resize": ([("Rescaling", dict(scale=1 / 255, offset=-0.5)),
                         ("Resizing", dict(height=5, width=6, interpolation="bicubic")),
                         ("CenterCrop", dict(height=4, width=4))], (2, 9, 8, 3), True),
    "pipeline_random_at_inference": ([("RandomFlip", dict(seed=1)),
                                      ("RandomRotation", dict(factor=0.2, seed=2)),
                                      ("RandomErasing", dict(seed=3)),
                                      ("Resizing", dict(height=4, width=5))], (3, 7, 6, 2),
                                     False),
    "pipeline_unbatched_cf": ([("Resizing", dict(height=3, width=4, data_format="channels_first")),
                               ("Rescaling", dict(scale=2.0))], (2, 6, 7), True),
}
