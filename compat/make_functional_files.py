"""Functional models saved by real Keras 3 and tf_keras in every format, for
tests/test_functional_saving.py.

    /tmp/oracle/bin/python compat/make_functional_files.py k3
    TF_USE_LEGACY_KERAS=1 /tmp/oracle/bin/python compat/make_functional_files.py k2

Writes into compat/data/functional/: for each model of tests/functional_cases.py (fixed
weights), `k3_<model>.keras`, `.weights.h5`, `.h5` (Keras 3.15) or `k2_<model>.h5`,
`_weights.h5` (tf_keras 2.21), `<writer>_<model>.npz` with the inputs (`x0..`) and Keras'
predictions (`pred0..`, flat, dict outputs in key order), and manifest_<writer>.json: per model,
the files, `model.layers` names and the summary Keras printed.
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "functional")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))

# tf_keras records `keras.ops` calls it does not have as nothing: those models are Keras 3's.
K2_MODELS = ["mlp", "two_in_two_out", "merges", "shared", "seq_in_func", "func_in_seq",
             "func_in_func", "op_nodes", "dict_io", "features"]
FORMATS = {"k3": [".keras", ".weights.h5", ".h5"], "k2": [".h5", "_weights.h5"]}


def main(which):
    if which == "k2":
        import tf_keras as keras
    else:
        import keras
    import functional_cases as fc

    os.makedirs(OUT, exist_ok=True)
    manifest = {}
    for name in fc.MODELS:
        if which == "k2" and name not in K2_MODELS:
            continue
        keras.utils.set_random_seed(0)
        keras.backend.clear_session()
        model = fc.build(keras, name, legacy=which == "k2")
        x = fc.inputs_for(model)
        flat_x = fc.flat_predictions(x)
        pred = fc.flat_predictions(model.predict(x, verbose=0))
        stem = f"{which}_{name}"
        arrays = {f"x{i}": v for i, v in enumerate(flat_x)}
        arrays.update({f"pred{i}": v for i, v in enumerate(pred)})
        np.savez_compressed(os.path.join(OUT, stem + ".npz"), **arrays)
        lines = []
        model.summary(print_fn=lambda line, *a, **k: lines.append(line))
        for suffix in FORMATS[which]:
            path = os.path.join(OUT, stem + suffix)
            if "weights" in suffix:
                model.save_weights(path)
            else:
                model.save(path)
        manifest[name] = {
            "keras": keras.__version__, "files": [stem + s for s in FORMATS[which]],
            "layers": [layer.name for layer in model.layers],
            "input_structure": type(x).__name__, "summary": "\n".join(lines),
        }
        print(which, name, [layer.name for layer in model.layers])
    with open(os.path.join(OUT, f"manifest_{which}.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
