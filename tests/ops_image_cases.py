"""`keras.ops.image` cases replayed against Keras 3 on TensorFlow
(compat/make_ops_image.py records them; tests/test_ops_image.py replays them).

A case is `(function, arguments, options)`; an argument `Image(shape, dtype)` stands for
seeded random pixels in [0, 255) (`Image(..., scale=1 / 255)` for [0, 1)). The
`elastic_transform` cases also record the normal draw Keras made (`NOISE`), which the test
hands minikeras in place of its own."""

from collections import namedtuple

import numpy as np

Image = namedtuple("Image", "shape dtype scale", defaults=("float32", 1.0))
UNIT = 1 / 255

_ZOOM = np.array([[1.5, 0, -2, 0, 1.5, -1.6, 0, 0], [1, 0.3, -2, -0.2, 1, 1.6, 0, 0]],
                 "float32")
_TILT = np.array([0.9, 0.2, 0.7, -0.1, 1.1, -0.4, 0.01, -0.02], "float32")
_START = np.array([[0, 0], [0, 6], [7, 0], [7, 6]], "float32")
_END = np.array([[0.5, 0.3], [0.2, 6.4], [6.6, -0.5], [7.3, 5.8]], "float32")
_POINTS = np.random.default_rng(5).uniform(-2.5, 7.5, (2, 3, 5)).astype("float32")
_POINTS_3D = np.random.default_rng(6).uniform(-1.5, 4.5, (3, 7)).astype("float32")

RESIZE = {
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

CASES = {f"resize {name}": ("resize", (Image(shape, dtype), size), options)
         for name, (shape, dtype, size, options) in RESIZE.items()}
CASES.update({
    "affine batch": ("affine_transform", (Image((2, 6, 7, 2)), _ZOOM), {}),
    "affine single nearest": ("affine_transform", (Image((6, 7, 3)), _TILT),
                              {"interpolation": "nearest"}),
    **{f"affine {mode}": ("affine_transform", (Image((2, 6, 7, 1)), _ZOOM),
                          {"fill_mode": mode, "fill_value": 9.0})
       for mode in ("constant", "nearest", "wrap", "reflect")},
    "affine channels first": ("affine_transform", (Image((2, 3, 6, 7)), _TILT),
                              {"data_format": "channels_first"}),
    "affine uint8": ("affine_transform", (Image((1, 6, 7, 3), "uint8"), _TILT),
                     {"fill_value": 3.7}),
    "perspective single": ("perspective_transform", (Image((6, 7, 2)), _START, _END), {}),
    "perspective batch nearest": ("perspective_transform",
                                  (Image((2, 6, 7, 1)), np.stack([_START, _END]),
                                   np.stack([_END, _START])),
                                  {"interpolation": "nearest", "fill_value": 4.0}),
    "perspective channels first": ("perspective_transform", (Image((1, 2, 6, 7)), _START, _END),
                                   {"data_format": "channels_first"}),
    **{f"map_coordinates order {order} {mode}": (
        "map_coordinates", (Image((6, 5)), _POINTS, order),
        {"fill_mode": mode, "fill_value": 2.5})
       for order in (0, 1) for mode in ("constant", "nearest", "wrap", "reflect")},
    "map_coordinates 3d": ("map_coordinates", (Image((3, 4, 3)), _POINTS_3D, 1), {}),
    "map_coordinates int32": ("map_coordinates", (Image((6, 5), "int32"), _POINTS, 1),
                              {"fill_value": 7}),
    "gaussian_blur default": ("gaussian_blur", (Image((2, 7, 6, 2)),), {}),
    "gaussian_blur single": ("gaussian_blur", (Image((7, 6, 3)),),
                             {"kernel_size": (5, 5), "sigma": (1.5, 1.5)}),
    "gaussian_blur oblong": ("gaussian_blur", (Image((1, 8, 9, 1)),),
                             {"kernel_size": (3, 5), "sigma": (0.8, 2.0)}),
    "gaussian_blur channels first": ("gaussian_blur", (Image((1, 2, 6, 6)),),
                                     {"kernel_size": (4, 4), "data_format": "channels_first"}),
    "gaussian_blur float64": ("gaussian_blur", (Image((1, 5, 5, 1), "float64"),), {}),
    "sobel_edges": ("sobel_edges", (Image((2, 5, 6, 3)),), {}),
    "sobel_edges channels first": ("sobel_edges", (Image((1, 2, 5, 4)),),
                                   {"data_format": "channels_first"}),
    "ssim batch": ("ssim", (Image((2, 16, 15, 3), scale=UNIT),
                            Image((2, 16, 15, 3), scale=UNIT * 0.9)), {}),
    "ssim single": ("ssim", (Image((12, 12, 1)), Image((12, 12, 1), scale=0.8)),
                    {"max_val": 255.0, "filter_size": 7, "filter_sigma": 1.0}),
    "ssim channels first": ("ssim", (Image((1, 2, 9, 9), scale=UNIT),
                                     Image((1, 2, 9, 9), scale=0.5 * UNIT)),
                            {"filter_size": 5, "k1": 0.02, "k2": 0.05,
                             "data_format": "channels_first"}),
    "scale_and_translate linear": ("scale_and_translate",
                                   (Image((3, 3)), (5, 5), np.array([2.0, 2.0], "float32"),
                                    np.array([-0.5, -0.5], "float32"), (0, 1), "linear"), {}),
    **{f"scale_and_translate {method}": (
        "scale_and_translate", (Image((2, 9, 8, 2)), (2, 4, 5, 2),
                                np.array([0.45, 0.6], "float32"),
                                np.array([0.3, -0.2], "float32"), (1, 2), method), {})
       for method in ("bilinear", "cubic", "lanczos3", "lanczos5")},
    "scale_and_translate no antialias": ("scale_and_translate",
                                         (Image((9, 8, 1)), (4, 5, 1),
                                          np.array([0.45, 0.6], "float32"),
                                          np.array([0.3, -0.2], "float32"), (-3, -2),
                                          "cubic"), {"antialias": False}),
    **{f"elastic_transform {name}": ("elastic_transform", (Image(shape),), options)
       for name, shape, options in [
           ("default", (2, 9, 10, 2), {"seed": 3}),
           ("single", (9, 8, 1), {"alpha": 3.0, "sigma": 1.0, "seed": 4}),
           ("nearest constant", (1, 8, 8, 2), {"alpha": 2.5, "sigma": 2.0,
                                               "interpolation": "nearest",
                                               "fill_mode": "constant", "fill_value": 1.0,
                                               "seed": 5}),
           ("channels first", (1, 2, 8, 7), {"alpha": 4.0, "sigma": 1.5, "fill_mode": "wrap",
                                             "seed": 6, "data_format": "channels_first"}),
       ]},
})


def _argument(value, seed):
    if not isinstance(value, Image):
        return value
    pixels = np.random.default_rng(seed + sum(value.shape)).random(value.shape) * 255
    return (pixels * value.scale).astype(value.dtype)


def arguments(name):
    """The inputs of case `name`, as arrays, and its options."""
    function, args, options = CASES[name]
    return [_argument(a, i) for i, a in enumerate(args)], options


def run_case(keras, name):
    args, options = arguments(name)
    return np.asarray(getattr(keras.ops.image, CASES[name][0])(*args, **options))


def noise_shape(name):
    """The shape of the normal draw an `elastic_transform` case makes: (batch, height, width)."""
    (images,), options = arguments(name)
    batch = images[None] if images.ndim == 3 else images
    first = options.get("data_format") == "channels_first"
    return (batch.shape[0],) + (batch.shape[2:] if first else batch.shape[1:3])


NOISE = [name for name in CASES if CASES[name][0] == "elastic_transform"]
