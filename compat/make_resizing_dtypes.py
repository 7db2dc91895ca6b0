"""Resizing, CenterCrop, RandomCrop and UpSampling2D on integer and float images under real Keras
-> compat/data/resizing_dtypes.{json,npz}

    /tmp/oracle/bin/python compat/make_resizing_dtypes.py      # Keras 3 on TensorFlow

Keras 3 on TensorFlow gives, for each case below, the input (its dtype and values), how it was
called and what came out: the output's dtype, shape and values, or the error. The ways of
calling: the layer on the array (`call`, `training` as the case says), a functional model over
an `Input` of the input's dtype (`model_call`: the model called eagerly; `model_predict`), a
Sequential holding only the layer (`sequential_call`, `sequential_predict`), a `tf.data` map
(`dataset_map`), a `tf.function` (`tf_function`), and the symbolic output of the layer on an
`Input` (`symbolic`: dtype and shape only). The JSON holds each case's description and the
output's dtype and shape (or the error); the npz the inputs (under the case's `input`) and
outputs (under its `name`), in their own dtypes. tests/test_resizing_dtypes.py replays each on minikeras.
"""

import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.pop("KERAS_BACKEND", None)

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "resizing_dtypes")

INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")
INTEGERS = ("uint8", "int8", "int16", "uint16", "int32", "int64")
FLOATS = ("float16", "float32", "float64")
MODES = ("call", "model_call", "model_predict", "sequential_call", "sequential_predict",
         "dataset_map", "tf_function")


def image(seed, dtype, shape=(1, 5, 7, 2), low=None, high=None):
    """Pixels spread over the dtype's range (0..255 for floats, with fractions)."""
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "f":
        return rng.uniform(0, 255, shape).astype(dtype)
    info = np.iinfo(dtype)
    low = max(info.min, -1000) if low is None else low
    high = min(info.max, 1000) if high is None else high
    if dtype in ("uint8", "int8", "int16", "uint16"):
        low, high = info.min, info.max
    return rng.integers(low, high, shape, endpoint=True).astype(dtype)


def extremes(dtype, shape=(1, 4, 4, 1)):
    """A bright square on a dark ground at the dtype's limits: bicubic and lanczos overshoot
    both limits when they upsample it (the output saturates)."""
    info = np.iinfo(dtype)
    x = np.full(shape, info.min, dtype)
    x[:, 1:3, 1:3] = info.max
    return x


def halves():
    """Bilinear halving of 0, 1, 2, 3, ...: every output is a half (rounded half to even)."""
    return np.arange(2 * 8 * 2, dtype="uint8").reshape(1, 2, 8, 2)


def cases():
    out = []

    def add(name, layer, kwargs, x, modes=("call",), training=None):
        for mode in modes:
            out.append({"name": f"{name}/{mode}", "input": name, "layer": layer,
                        "kwargs": kwargs, "x": x, "mode": mode, "training": training})

    seed = 0
    for dtype in (*INTEGERS, *FLOATS):
        for method in INTERPOLATIONS:
            for size in ((4, 3), (8, 9)):
                seed += 1
                add(f"resize_{dtype}_{method}_{size[0]}x{size[1]}", "Resizing",
                    dict(height=size[0], width=size[1], interpolation=method),
                    image(seed, dtype))
    for dtype in INTEGERS:
        for method in ("bicubic", "lanczos3", "lanczos5"):
            add(f"saturate_{dtype}_{method}", "Resizing",
                dict(height=7, width=7, interpolation=method), extremes(dtype))
    for method in ("bilinear", "bicubic", "lanczos3"):
        for dtype in ("uint8", "int16"):
            add(f"antialias_{dtype}_{method}", "Resizing",
                dict(height=3, width=2, interpolation=method, antialias=True),
                image(99, dtype, (1, 8, 7, 2)))
    add("halves_bilinear", "Resizing", dict(height=1, width=4), halves())
    add("halves_area", "Resizing", dict(height=1, width=4, interpolation="area"), halves())
    for dtype in ("uint8", "int32", "float16"):
        add(f"crop_to_aspect_{dtype}", "Resizing",
            dict(height=4, width=4, crop_to_aspect_ratio=True), image(100, dtype))
        add(f"crop_to_aspect_nearest_{dtype}", "Resizing",
            dict(height=3, width=5, crop_to_aspect_ratio=True, interpolation="nearest"),
            image(101, dtype, (2, 9, 6, 1)))
        for fill in (0, 7, 0.0, 2.5):
            add(f"pad_to_aspect_{dtype}_fill_{fill!r}", "Resizing",
                dict(height=6, width=6, pad_to_aspect_ratio=True, fill_value=fill),
                image(102, dtype))
    add("channels_first_uint8", "Resizing",
        dict(height=4, width=6, interpolation="bicubic", data_format="channels_first"),
        image(103, "uint8", (2, 3, 5, 7)))
    add("unbatched_uint8", "Resizing", dict(height=4, width=3), image(104, "uint8", (5, 7, 2)))
    for layer_dtype in ("float16", "float64", "int32", "uint8"):
        for dtype in ("uint8", "int32", "float32", "float64"):
            add(f"layer_dtype_{layer_dtype}_{dtype}", "Resizing",
                dict(height=4, width=3, dtype=layer_dtype), image(105, dtype),
                modes=("call", "symbolic"))
    for dtype in ("uint8", "int32", "int64", "float16", "float64"):
        add(f"in_models_{dtype}", "Resizing", dict(height=4, width=3), image(106, dtype),
            modes=(*MODES, "symbolic"))
        add(f"in_models_nearest_{dtype}", "Resizing",
            dict(height=8, width=9, interpolation="nearest"), image(107, dtype), modes=MODES)
        for training in (True, False):
            for name, kwargs in {"center_crop": dict(height=3, width=4),
                                 "center_crop_smaller": dict(height=6, width=9)}.items():
                add(f"{name}_{dtype}_{training}", "CenterCrop", kwargs, image(108, dtype),
                    training=training)
        add(f"center_crop_models_{dtype}", "CenterCrop", dict(height=3, width=4),
            image(108, dtype), modes=("model_call", "model_predict", "symbolic"))
        # Keras 3.15's RandomCrop at inference is its input, uncropped: only its training
        # output's dtype is compared (and its draw is Keras' own: the values are not).
        add(f"random_crop_{dtype}", "RandomCrop", dict(height=3, width=4, seed=1),
            image(109, dtype), training=True)
        add(f"random_crop_smaller_{dtype}", "RandomCrop", dict(height=6, width=9, seed=1),
            image(109, dtype), training=True)
    for method in INTERPOLATIONS:  # UpSampling2D resizes as Resizing does, past nearest
        add(f"up_sampling_{method}", "UpSampling2D", dict(size=(2, 3), interpolation=method),
            image(110, "float32", (2, 3, 4, 2)))
        add(f"up_sampling_{method}_channels_first", "UpSampling2D",
            dict(size=(3, 2), interpolation=method, data_format="channels_first"),
            image(111, "float32", (2, 2, 3, 4)))
    return out


def run_case(keras, tf, case, x):
    """The case's output: an array, or a KerasTensor for `symbolic`."""
    layer = getattr(keras.layers, case["layer"])(**case["kwargs"])
    mode = case["mode"]
    if mode == "symbolic":
        return layer(keras.Input(x.shape[1:], dtype=x.dtype.name))
    if mode == "call":
        kwargs = {} if case["training"] is None else {"training": case["training"]}
        y = layer(x, **kwargs)
    elif mode.startswith("model_"):
        inputs = keras.Input(x.shape[1:], dtype=x.dtype.name)
        model = keras.Model(inputs, layer(inputs))
        y = model(x) if mode == "model_call" else model.predict(x, verbose=0)
    elif mode.startswith("sequential_"):
        model = keras.Sequential([layer])
        y = model(x) if mode == "sequential_call" else model.predict(x, verbose=0)
    elif mode == "dataset_map":
        y = next(iter(tf.data.Dataset.from_tensor_slices(x).batch(len(x)).map(layer)))
    else:
        y = tf.function(layer)(x)
    return np.asarray(y)


def main():
    import keras
    import tensorflow as tf

    records, arrays = [], {}
    for case in cases():
        name, x = case["name"], case.pop("x")
        arrays[case["input"]] = x
        try:
            y = run_case(keras, tf, case, x)
        except Exception as error:  # noqa: BLE001 - Keras' refusals are reference data too
            case["error"] = {"type": type(error).__name__,
                             "message": " ".join(str(error).split())[:300]}
        else:
            case["y"] = {"dtype": keras.backend.standardize_dtype(y.dtype),
                         "shape": list(y.shape)}
            if case["mode"] != "symbolic":
                arrays[name] = y
        records.append(case)
    with open(OUT + ".json", "w") as f:
        json.dump({"keras": keras.__version__, "cases": records}, f, indent=0)
    np.savez_compressed(OUT + ".npz", **arrays)
    print(f"{len(records)} cases -> {OUT}.json, .npz")


if __name__ == "__main__":
    main()
