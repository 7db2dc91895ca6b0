"""EinsumDense, RMSNormalization, SpectralNormalization and the adaptive pooling layers under
real Keras 3 (on TensorFlow) -> compat/data/more_layers.{npz,json}, compat/data/files/more_*.

    /tmp/oracle/bin/python compat/make_more_layers.py

For every case of tests/more_layer_cases.py: the layer on fixed weights and input (in training
where the case says), its output, the gradients of `sum(output * upstream)` with respect to the
input and each trainable weight (a TensorFlow GradientTape), the weights after the call (a
SpectralNormalization assigns the normalized kernel in training), its losses, config and weight
paths. Then a Sequential model through every new layer, from fixed weights: saved before
training (`.keras`), its predictions, and its weights after 3 steps of SGD (`fit`).
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import more_layer_cases as mc  # noqa: E402


def main():
    import keras
    import tensorflow as tf

    arrays, facts = {}, {"cases": {}}
    for name in mc.CASES:
        case_arrays, case_facts = mc.run_case(keras, name, tf.GradientTape, tf.constant)
        arrays.update({f"{name}/{key}": value for key, value in case_arrays.items()})
        facts["cases"][name] = case_facts
    model = keras.Sequential([keras.Input((6, 5)), *mc.model_layers(keras.layers)])
    weights, x, y = mc.model_data([tuple(w.shape) for w in model.weights])
    model.set_weights(weights)
    model.save(os.path.join(DATA, "files", "more_layers_model.keras"))
    arrays["model/predict"] = model.predict(x, verbose=0)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    history = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    arrays.update({f"model/w{i}": w for i, w in enumerate(model.get_weights())})
    facts["model"] = {"loss": history.history["loss"],
                      "paths": [w.path for w in model.weights]}
    np.savez_compressed(os.path.join(DATA, "more_layers.npz"), **arrays)
    with open(os.path.join(DATA, "more_layers.json"), "w") as f:
        json.dump(facts, f, indent=1, sort_keys=True, default=list)
    print(f"wrote {len(mc.CASES)} cases and a model")


if __name__ == "__main__":
    main()
