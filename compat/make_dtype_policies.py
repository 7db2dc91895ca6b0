"""Record Keras 3's dtype policies and layers' dtypes as `compat/data/dtype_policies.json`.

    /tmp/oracle/bin/python compat/make_dtype_policies.py

For `tests/test_dtype_policies.py`: what a `DTypePolicy` of each name says, the errors of bad
names, `keras.config.set_dtype_policy`'s effect on new layers (and `clear_session`'s), the
dtypes a lookup layer reports and writes in its config, and the specs of symbolic calls.
"""

import json
import os
import threading

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = os.path.dirname(os.path.abspath(__file__))

POLICY_NAMES = ["float32", "float64", "float16", "bfloat16", "int32", "mixed_float16",
                "mixed_bfloat16"]
BAD_NAMES = ["bogus", 3]

# (name, constructor source, symbolic input (shape, dtype) or None): evaluated with `L` the
# keras.layers module, so the test makes the same layers from the same text.
LAYERS = [
    ("string_lookup", "L.StringLookup(vocabulary=['a', 'b'])", ((2,), "string")),
    ("string_lookup_multi_hot", "L.StringLookup(vocabulary=['a', 'b'], output_mode='multi_hot')",
     ((2,), "string")),
    ("integer_lookup", "L.IntegerLookup(vocabulary=[3, 4])", ((2,), "int64")),
    ("integer_lookup_count", "L.IntegerLookup(vocabulary=[3, 4], output_mode='count')",
     ((2,), "int64")),
    ("text_vectorization", "L.TextVectorization(vocabulary=['a', 'b'])", ((), "string")),
    ("text_vectorization_tf_idf",
     "L.TextVectorization(vocabulary=['a', 'b'], output_mode='tf_idf', idf_weights=[1.0, 2.0])",
     ((), "string")),
    ("hashing", "L.Hashing(num_bins=3)", None),
    ("hashing_one_hot", "L.Hashing(num_bins=3, output_mode='one_hot')", None),
    ("category_encoding", "L.CategoryEncoding(num_tokens=3)", None),
    ("discretization", "L.Discretization(bin_boundaries=[0.0])", None),
    ("normalization", "L.Normalization()", None),
    ("embedding", "L.Embedding(3, 2)", None),
    ("dense_float64", "L.Dense(2, dtype='float64')", None),
    ("dense_mixed_bfloat16", "L.Dense(2, dtype='mixed_bfloat16')", None),
]


def _error(make):
    try:
        make()
    except Exception as error:  # noqa: BLE001 (the type is what is recorded)
        return [type(error).__name__, str(error)]
    return None


def _policy(policy):
    return {"repr": repr(policy), "name": policy.name, "compute_dtype": policy.compute_dtype,
            "variable_dtype": policy.variable_dtype}


def main():
    import keras

    L = keras.layers  # noqa: N806 (the name the constructor sources use)
    facts = {"keras_version": keras.__version__}
    facts["policies"] = {name: _policy(keras.DTypePolicy(name)) for name in POLICY_NAMES}
    facts["serialized"] = keras.dtype_policies.serialize(keras.DTypePolicy("mixed_float16"))
    facts["bad_names"] = [_error(lambda n=n: keras.DTypePolicy(n)) for n in BAD_NAMES]
    facts["bad_global"] = _error(lambda: keras.config.set_dtype_policy(3))
    facts["default_global"] = repr(keras.config.dtype_policy())

    keras.mixed_precision.set_global_policy("mixed_float16")
    dense = L.Dense(2)
    facts["under_mixed_float16"] = {
        "global": repr(keras.mixed_precision.global_policy()),
        "floatx": keras.config.floatx(),
        "dense_dtype": dense.dtype,
        "dense_policy": repr(dense.dtype_policy),
        "dense_config_dtype": dense.get_config()["dtype"],
    }
    seen = []
    thread = threading.Thread(target=lambda: seen.append(repr(keras.config.dtype_policy())))
    thread.start()
    thread.join()
    facts["other_thread_global"] = seen[0]
    keras.utils.clear_session()
    facts["after_clear_session"] = repr(keras.config.dtype_policy())

    facts["layers"] = {}
    for name, source, symbolic in LAYERS:
        layer = eval(source)  # noqa: S307 (this file's own constant text)
        entry = {"source": source, "dtype": layer.dtype, "compute_dtype": layer.compute_dtype,
                 "variable_dtype": layer.variable_dtype, "input_dtype": layer.input_dtype,
                 "policy": repr(layer.dtype_policy), "config_dtype": layer.get_config()["dtype"]}
        if symbolic is not None:
            shape, dtype = symbolic
            output = layer(keras.Input(shape=shape, dtype=dtype))
            entry["symbolic"] = {"shape": list(shape), "dtype": dtype,
                                 "output_shape": list(output.shape), "output_dtype": output.dtype}
        facts["layers"][name] = entry

    with open(os.path.join(HERE, "data", "dtype_policies.json"), "w") as file:
        json.dump(facts, file, indent=1, sort_keys=True)
        file.write("\n")


if __name__ == "__main__":
    main()
