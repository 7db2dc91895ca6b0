"""Sequential models with adapted preprocessing layers and a trained Dense after them, saved by
real Keras 3 and tf_keras in every format they can write, for tests/test_preprocessing_files.py.

    /tmp/oracle/bin/python compat/make_preprocessing_files.py k3
    /tmp/oracle/bin/python compat/make_preprocessing_files.py k2          # tf_keras 2.21
    /tmp/oracle/bin/python compat/make_preprocessing_files.py k2 text_tf_idf_given  # one model

Writes compat/data/files/prep/: `<keras>_<model>.keras`, `.h5` and `.weights.h5` (where that
Keras can write them: tf_keras refuses adapted lookups in `.h5`), `<keras>_<model>.json` with
the inputs and Keras' predictions, and manifest.json. Keras 3's own `.h5` of an adapted lookup
keeps no vocabulary (the manifest marks it `"state_lost": true`): loading it gives Keras 3's
vocabulary-less layer, whose predictions (or loading error) the json records too. tf_keras writes a TF-IDF
TextVectorization to `.h5` only when its vocabulary and IDF weights are given
(`text_tf_idf_given`; an adapted one's state is not variables, which its `.h5` refuses).
"""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from preprocessing_layer_cases import FLOATS, INTS, TEXTS, TOKENS, VALUES  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "files", "prep")


def models(keras):
    """`name: (model, x, y)` for each model, its layers adapted on the cases' data."""
    L = keras.layers
    texts, labels = np.array(TEXTS), np.array([len(t) % 2 for t in TEXTS], np.float32)
    tokens = np.array(TOKENS)
    ints = np.array(INTS, np.int64)
    floats = np.array(FLOATS, np.float32)
    values = np.array(VALUES[:60], np.float32).reshape(-1, 1)

    def adapted(layer, data):
        layer.adapt(data)
        return layer

    numbers = keras.Input(shape=(2,), name="numbers")
    colour = keras.Input(shape=(1,), dtype="string", name="colour")
    colour_ids = adapted(L.StringLookup(), tokens)(colour)
    one_hot = L.CategoryEncoding(8, output_mode="one_hot")(colour_ids)
    merged = L.Concatenate()([adapted(L.Normalization(), floats)(numbers), one_hot])
    review = keras.Input(shape=(1,), dtype="string", name="review")
    vectorizer = L.TextVectorization(max_tokens=30, output_sequence_length=6)
    token_ids = adapted(vectorizer, texts)(review)
    average = L.GlobalAveragePooling1D()(L.Embedding(30, 4, mask_zero=True)(token_ids))
    crossed_colour = keras.Input(shape=(1,), dtype="string", name="colour")
    crossed_size = keras.Input(shape=(1,), dtype="int64", name="size")
    crossed = L.HashedCrossing(8, output_mode="one_hot")([crossed_colour, crossed_size])
    built = {
        # Functional: named inputs, fed as a dict {name: array}.
        "func_structured": (keras.Model(
            {"numbers": numbers, "colour": colour},
            L.Dense(1)(L.Dense(4, activation="relu")(merged))),
            {"numbers": floats[:len(tokens)], "colour": tokens}, None),
        "func_text": (keras.Model(review, L.Dense(1, activation="sigmoid")(average)),
                      texts, labels),
        "func_hashed_crossing": (keras.Model(
            {"colour": crossed_colour, "size": crossed_size}, L.Dense(1)(crossed)),
            {"colour": tokens, "size": np.arange(len(tokens)).reshape(-1, 1) % 5}, None),
        "normalization": (keras.Sequential([
            keras.Input(shape=(2,)), adapted(L.Normalization(), floats), L.Dense(3),
            L.Dense(1)]), floats, labels[:len(floats)] if len(floats) <= len(labels) else None),
        "rescaling": (keras.Sequential([
            keras.Input(shape=(2,)), L.Rescaling(0.5, offset=1.0), L.Dense(1)]),
            floats, None),
        "discretization": (keras.Sequential([
            keras.Input(shape=(1,)), adapted(L.Discretization(num_bins=4), values),
            L.CategoryEncoding(4, output_mode="one_hot"), L.Dense(1)]), values, None),
        "string_lookup": (keras.Sequential([
            keras.Input(shape=(1,), dtype="string"), adapted(L.StringLookup(), tokens),
            L.CategoryEncoding(8, output_mode="one_hot"), L.Dense(1)]), tokens, None),
        "string_lookup_multi_hot": (keras.Sequential([
            keras.Input(shape=(1,), dtype="string"),
            adapted(L.StringLookup(output_mode="multi_hot", num_oov_indices=2), tokens),
            L.Dense(1)]), tokens, None),
        "integer_lookup": (keras.Sequential([
            keras.Input(shape=(1,), dtype="int64"), adapted(L.IntegerLookup(), ints),
            L.CategoryEncoding(8, output_mode="one_hot"), L.Dense(1)]), ints, None),
        "hashing": (keras.Sequential([
            keras.Input(shape=(1,), dtype="string"), L.Hashing(6, output_mode="one_hot"),
            L.Dense(1)]), tokens, None),
        "text_multi_hot": (keras.Sequential([
            keras.Input(shape=(1,), dtype="string"),
            adapted(L.TextVectorization(max_tokens=20, output_mode="multi_hot"), texts),
            L.Dense(4, activation="relu"), L.Dense(1, activation="sigmoid")]), texts, labels),
        "text_tf_idf": (keras.Sequential([
            keras.Input(shape=(1,), dtype="string"),
            adapted(L.TextVectorization(output_mode="tf_idf", ngrams=2), texts),
            L.Dense(1, activation="sigmoid")]), texts, labels),
        "text_tf_idf_given": (keras.Sequential([
            keras.Input(shape=(1,), dtype="string"),
            L.TextVectorization(output_mode="tf_idf", ngrams=2,
                                vocabulary=["the", "cat", "sat", "the cat", "on the"],
                                idf_weights=[0.4, 1.1, 1.7, 2.3, 0.9]),
            L.Dense(1, activation="sigmoid")]), texts, labels),
        "text_vocabulary": (keras.Sequential([
            keras.Input(shape=(1,), dtype="string"),
            L.TextVectorization(vocabulary=["the", "cat", "dog", "sat"], output_mode="count"),
            L.Dense(1)]), texts, None),
    }
    return built


def first_input(x):
    return next(iter(x.values())) if isinstance(x, dict) else x


def for_keras(x):
    """`x` as Keras fits on it: string arrays as tensors (neither Keras takes numpy strings)."""
    if isinstance(x, dict):
        return {name: for_keras(value) for name, value in x.items()}
    if x.dtype.kind == "U":
        import tensorflow as tf

        return tf.constant(x)
    return x


def predictions(model, x):
    try:
        return np.asarray(model.predict(x, verbose=0)).tolist()
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {str(error)[:200]}"


def main(which, only=()):
    if which == "k2":
        import tf_keras as keras
    else:
        import keras

    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(1)
    manifest_path = os.path.join(OUT, "manifest.json")
    manifest = json.load(open(manifest_path)) if os.path.exists(manifest_path) else {}
    for name, (model, x, y) in models(keras).items():
        if only and name not in only:
            continue
        y = np.asarray([len(str(r)) % 3 for r in first_input(x)], np.float32) if y is None else y
        if isinstance(x, dict):
            record = {"x": {key: value.tolist() for key, value in x.items()}}
        else:
            record = {"x": np.asarray(x).tolist()}
        x = for_keras(x)
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y[:len(first_input(x))], epochs=2, batch_size=8, verbose=0)
        record["pred"] = predictions(model, x)
        stem = f"{which}_{name}"
        formats = {"keras": ".keras", "h5": ".h5", "weights.h5": ".weights.h5"}
        for fmt, suffix in formats.items():
            path = os.path.join(OUT, stem + suffix)
            try:
                model.save_weights(path) if fmt == "weights.h5" else model.save(path)
            except Exception as error:  # noqa: BLE001  (tf_keras: no lookups in .h5)
                print(f"{stem}{suffix}: not written ({type(error).__name__})")
                if os.path.exists(path):  # what tf_keras wrote before giving up
                    os.remove(path)
                continue
            entry = {"model": name, "keras": which, "format": fmt, "json": stem + ".json"}
            if fmt == "h5" and which == "k3":
                try:
                    again = predictions(keras.models.load_model(path, compile=False), x)
                except Exception as error:  # noqa: BLE001  (its own mask ops, in .h5)
                    again = f"{type(error).__name__}: {str(error)[:200]}"
                if again != record["pred"]:
                    entry["state_lost"] = True
                    record["pred_h5"] = again
            manifest[stem + suffix] = entry
        with open(os.path.join(OUT, stem + ".json"), "w") as f:
            json.dump(record, f)
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    print(f"wrote {len(manifest)} entries in {manifest_path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "k3", sys.argv[2:])
