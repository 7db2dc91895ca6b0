"""Reference training runs of Keras 3 -> compat/data/training.{json,npz}

Run under the oracle: `/tmp/oracle/bin/python compat/make_training.py` (Keras 3, TensorFlow).

Every case of tests/training_cases.py (every optimizer, with clipping, weight decay and
schedules; every loss; metrics; validation; sample and class weights; regularizers and
constraints; frozen, reshaping and nested layers; a user loss, metric, regularizer and layer
written with `keras.ops`; callbacks; the progress bar) starts a small model from fixed weights
and fits it on 50 fixed rows in batches of 16, without shuffling. Recorded: the initial and
final weights (npz), `history.history`, `history.epoch`, `history.params`, the results of
`evaluate(return_dict=True)` (or the error `fit` raised) and what `fit` and `evaluate` printed,
with the progress bar's clock replaced by one that ticks at each reading (json). Also
`train_on_batch`, `test_on_batch`, `evaluate` and `metrics_names` on one model.
tests/test_training.py replays it all on minikeras.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import keras  # noqa: E402
from keras.src.utils import progbar  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import training_cases as tc  # noqa: E402


def fresh_model(spec, seed):
    model = tc.build(keras, spec)
    weights = tc.initial_weights([w.shape for w in model.get_weights()], seed)
    model.set_weights(weights)
    return model, weights


def main():
    data = tc.make_data()
    arrays = {f"data/{name}": value for name, value in data.items()}
    cases = {}
    for seed, (name, spec) in enumerate(tc.CASES.items()):
        keras.utils.set_random_seed(seed)
        progbar.time = tc.TickingClock()  # Keras' Progbar reads `time.time()`
        model, weights = fresh_model(spec, seed)
        for index, start in enumerate(weights):
            arrays[f"{name}/initial/{index}"] = start
        try:
            result = tc.train(keras, spec, model, data)
        except Exception as error:  # an error case: its type and message are the reference
            cases[name] = {"error": tc.describe_error(error)}
            print(name, cases[name])
            continue
        for index, end in enumerate(result.pop("weights")):
            arrays[f"{name}/final/{index}"] = end
        cases[name] = result
        print(name, {k: [round(v, 4) for v in vs] for k, vs in result["history"].items()})

    model, weights = fresh_model(tc.BATCH_API_CASE, len(tc.CASES))
    model.compile(**tc.realize(keras, tc.BATCH_API_CASE["compile"]))
    batch_api = tc.batch_api(keras, model, data)
    for index, (start, end) in enumerate(zip(weights, batch_api.pop("weights"))):
        arrays[f"batch_api/initial/{index}"] = start
        arrays[f"batch_api/final/{index}"] = end

    reference = {"keras_version": keras.__version__, "backend": keras.backend.backend(),
                 "cases": cases, "batch_api": batch_api}
    with open(os.path.join(OUT, "training.json"), "w", encoding="utf-8") as f:
        json.dump(reference, f, indent=1, ensure_ascii=False)
    np.savez_compressed(os.path.join(OUT, "training.npz"), **arrays)


if __name__ == "__main__":
    main()
