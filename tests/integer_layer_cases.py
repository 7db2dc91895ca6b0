"""Layers that move values, called on integer inputs: Keras 3 keeps the integers (and resizes
them in float32, rounded and saturated). compat/make_integer_layers.py records Keras' outputs;
tests/test_layer_outputs.py replays them. `run_case(keras, name)` gives one case's output."""

import numpy as np


def _inputs(shape, dtype="int32", low=-50, high=300):
    values = np.random.default_rng(len(shape)).integers(low, high, shape)
    return values.astype(dtype)


CASES = {
    "Flatten": (lambda L: L.Flatten(), (2, 2, 3, 2), "int32"),
    "Reshape": (lambda L: L.Reshape((6, 2)), (2, 3, 4), "int64"),
    "Permute": (lambda L: L.Permute((2, 1)), (2, 3, 4), "int32"),
    "RepeatVector": (lambda L: L.RepeatVector(3), (2, 4), "int16"),
    "Cropping1D": (lambda L: L.Cropping1D((1, 2)), (2, 6, 3), "int32"),
    "Cropping2D": (lambda L: L.Cropping2D(((1, 0), (0, 2))), (2, 4, 5, 2), "uint8"),
    "Cropping3D": (lambda L: L.Cropping3D(1), (1, 4, 4, 4, 2), "int32"),
    "ZeroPadding1D": (lambda L: L.ZeroPadding1D(2), (2, 3, 2), "int32"),
    "ZeroPadding2D": (lambda L: L.ZeroPadding2D(((1, 2), (0, 1))), (2, 3, 3, 2), "uint8"),
    "ZeroPadding3D": (lambda L: L.ZeroPadding3D(1), (1, 2, 2, 2, 1), "int32"),
    "UpSampling1D": (lambda L: L.UpSampling1D(3), (2, 3, 2), "int32"),
    "UpSampling2D nearest": (lambda L: L.UpSampling2D((2, 3)), (2, 2, 3, 2), "uint8"),
    "UpSampling2D bilinear uint8": (lambda L: L.UpSampling2D(interpolation="bilinear"),
                                    (2, 3, 4, 2), "uint8"),
    "UpSampling2D bilinear int32": (lambda L: L.UpSampling2D(interpolation="bilinear"),
                                    (2, 3, 4, 2), "int32"),
    "UpSampling2D bicubic uint8": (lambda L: L.UpSampling2D((3, 2), interpolation="bicubic"),
                                   (1, 4, 4, 3), "uint8"),
    "UpSampling2D lanczos3 uint8": (lambda L: L.UpSampling2D(interpolation="lanczos3"),
                                    (1, 4, 5, 1), "uint8"),
    "UpSampling2D area int32": (lambda L: L.UpSampling2D(interpolation="area"),
                                (1, 3, 3, 2), "int32"),
    "UpSampling3D": (lambda L: L.UpSampling3D((1, 2, 2)), (1, 2, 2, 2, 1), "int32"),
    "Identity": (lambda L: L.Identity(), (2, 5), "int64"),
}


def run_case(keras, name):
    make, shape, dtype = CASES[name]
    low, high = (0, 256) if dtype == "uint8" else (-50, 300)
    return np.asarray(make(keras.layers)(_inputs(shape, dtype, low, high)))
