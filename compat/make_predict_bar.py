"""Record what Keras 3's `predict` prints for one and several batches (issue 17's fast path
must print the same bytes): verbose "auto", 1 and 2, with a clock that moves a quarter of a
second at every read.

Run under the oracle:  KERAS_BACKEND=jax /tmp/oracle/bin/python compat/make_predict_bar.py
Writes compat/data/predict_bar.json; tests/test_progbar_summary.py replays the cases.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "predict_bar.json")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
from text_scripts import PREDICT_BAR_CASES, TickingClock, predict_bar_model, predict_output  # noqa: E402,E501


def main():
    import keras
    from keras.src.utils import progbar as progbar_module

    model = predict_bar_model(keras)
    for case in PREDICT_BAR_CASES:  # once untimed, so that tracing falls outside the cases
        predict_output(model, case)
    cases = []
    for case in PREDICT_BAR_CASES:
        progbar_module.time = TickingClock(1000.0)  # the module reads time.time()
        output, shape = predict_output(model, case)
        cases.append({**case, "output": output, "shape": shape})
    with open(OUT, "w") as file:
        json.dump({"keras_version": keras.__version__, "backend": keras.backend.backend(),
                   "cases": cases}, file, indent=1)
        file.write("\n")


if __name__ == "__main__":
    main()
