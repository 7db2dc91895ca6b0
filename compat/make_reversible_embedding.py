"""Reference numbers for `ReversibleEmbedding`, read off Keras 3 (TF backend).

Run under the oracle: `/tmp/oracle/bin/python compat/make_reversible_embedding.py`.
Writes compat/data/reversible_embedding.json: for each case (its options), the weights set,
the lookup of fixed ids, the reverse call's logits on fixed vectors, the gradients of
`sum(logits * arange(input_dim))` with respect to the vectors and each trainable weight
(None where Keras gives none), the config, the weight paths and the symbolic output shape.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

OUT = pathlib.Path(__file__).parent / "data" / "reversible_embedding.json"
CASES = {
    "tied": {},
    "untied_soft_cap": {"tie_weights": False, "logit_soft_cap": 2.0},
    "reverse_dtype_mask_zero": {"reverse_dtype": "float32", "mask_zero": True},
}


def main():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 7, size=(3, 4))
    vectors = rng.normal(size=(3, 4, 5)).astype("float32")
    results = {"ids": ids.tolist(), "vectors": vectors.tolist(), "cases": {}}
    for name, options in CASES.items():
        layer = keras.layers.ReversibleEmbedding(7, 5, name=name, **options)
        layer.build()
        weights = [rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        watched = tf.constant(vectors)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(watched)
            logits = layer(watched, reverse=True)
            total = tf.reduce_sum(logits * tf.range(7, dtype="float32"))
        grads = [tape.gradient(total, watched)] + tape.gradient(total, layer.trainable_variables)
        symbolic = layer(keras.Input((4, 5)), reverse=True)
        results["cases"][name] = {
            "options": options,
            "weights": [w.tolist() for w in weights],
            "lookup": np.asarray(layer(ids)).tolist(),
            "logits": np.asarray(logits).tolist(),
            "grads": [None if g is None else np.asarray(g).tolist() for g in grads],
            "config": layer.get_config(),
            "paths": [w.path for w in layer.weights],
            "symbolic_shape": list(symbolic.shape),
        }
    OUT.write_text(json.dumps(results))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
