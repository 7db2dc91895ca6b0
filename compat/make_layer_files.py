"""Model files of issue 11's layers saved by real Keras 3 and tf_keras in every format, for
tests/test_saving.py (which reads every `manifest*.json` of compat/data/files/).

    /tmp/oracle/bin/python compat/make_layer_files.py        # both halves, in subprocesses
    /tmp/oracle/bin/python compat/make_layer_files.py k3     # Keras 3 only
    TF_USE_LEGACY_KERAS=1 /tmp/oracle/bin/python compat/make_layer_files.py k2

The models are compat/layer_models.py's (Sequential, and a functional one; the preprocessing
layers' functional models are compat/make_preprocessing_files.py's). Each is trained 4 steps (2 epochs of 2 batches) before saving, then files
`k?_layers_<model>.*` and `.npz` as make_saved_files.py writes them: inputs `x`, predictions
`pred`, weights `w0..` (moving statistics included), optimizer variables `opt0..`, and for the
deterministic models the batches `resume_x/y` with the weights `resumed_w0..` after two more
`train_on_batch` steps: tests/test_saving.py checks that minikeras, loading the file, trains
to the same weights (training parity from the same start). Writes manifest_layers.json.
"""

import json
import os
import sys

import numpy as np

from layer_models import layer_models
from make_saved_files import ALL, OUT, SUFFIXES, record_resumed_training, run_both_generations


def run(which):
    legacy = which == "k2"
    if legacy:
        import tf_keras as keras
    else:
        import keras
    manifest = {}
    keras.utils.set_random_seed(0)
    for name, (model, compile_args, inputs, targets, resumable) in layer_models(
            keras, which).items():
        rng = np.random.default_rng(len(name))
        x = inputs(rng, 4)
        model.compile(**compile_args)
        model.fit(inputs(rng, 32), targets(rng, 32), batch_size=16, epochs=2, verbose=0)
        arrays = {"x": x, "pred": model.predict(x, verbose=0)}
        arrays.update({f"w{i}": w for i, w in enumerate(model.get_weights())})
        arrays.update({f"opt{i}": np.asarray(v) for i, v in enumerate(model.optimizer.variables)})
        assert np.all(np.isfinite(arrays["pred"])), name
        stem = f"{which}_layers_{name}"
        for fmt in ALL[which]:
            path = os.path.join(OUT, stem + SUFFIXES[fmt])
            (model.save if fmt in ("keras", "h5") else model.save_weights)(path)
            manifest[stem + SUFFIXES[fmt]] = {
                "model": f"layers_{name}", "keras": keras.__version__, "writer": which,
                "format": fmt, "compiled": True, "resumable": resumable,
                "iterations": int(model.optimizer.iterations.numpy()), "npz": stem + ".npz",
            }
        if resumable:
            record_resumed_training(model, arrays, inputs(rng, 16), targets(rng, 16))
        np.savez_compressed(os.path.join(OUT, stem + ".npz"), **arrays)
    with open(os.path.join(OUT, f"manifest_layers_{which}.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


def main():
    if len(sys.argv) > 1:
        return run(sys.argv[1])
    run_both_generations(__file__, "manifest_layers")


if __name__ == "__main__":
    main()
