"""Multi-input, multi-output training under Keras 3 -> compat/data/functional_training.{json,npz}

    /tmp/oracle/bin/python compat/make_functional_training.py

Each case of tests/functional_cases.py's TRAINING compiles its model (`two_in_two_out` unless
it names another; fixed start weights) with a dict or list of losses, loss weights and per-output metrics, and fits it
without shuffling. Recorded: `history.history` (its keys are Keras 3's names), the final
weights, `evaluate(return_dict=True)` and `evaluate()`'s list; for the cases Keras refuses, its error message. tests/test_functional.py
replays them on minikeras.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import functional_cases as fc  # noqa: E402


def main():
    arrays, cases = {}, {}
    for name, case in fc.TRAINING.items():
        keras.utils.set_random_seed(0)
        model, x, targets = fc.training_setup(keras, name)
        model.compile(**case["compile"](keras))
        try:
            history = model.fit(x, targets, verbose=0, **case["fit"])
        except ValueError as error:
            cases[name] = {"error": str(error)}
            print(name, "error:", str(error)[:80])
            continue
        for index, weight in enumerate(model.get_weights()):
            arrays[f"{name}/final/{index}"] = weight
        cases[name] = {
            "history": {k: [float(v) for v in vs] for k, vs in history.history.items()},
            "evaluate": {k: float(v) for k, v in
                         model.evaluate(x, targets, verbose=0, return_dict=True).items()},
            "evaluate_list": [float(v) for v in model.evaluate(x, targets, verbose=0)],
            "metrics_names": model.metrics_names,
        }
        print(name, list(cases[name]["history"]))
    out = os.path.join(HERE, "data", "functional_training")
    np.savez_compressed(out + ".npz", **arrays)
    with open(out + ".json", "w") as f:
        json.dump({"keras": keras.__version__, "cases": cases}, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
