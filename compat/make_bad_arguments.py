"""What Keras 3 does with bad arguments to the training API -> compat/data/bad_arguments.json

Run under the oracle: `/tmp/oracle/bin/python compat/make_bad_arguments.py` (Keras 3, TensorFlow).

Every case of tests/bad_argument_cases.py: the exception's type and message, or the result
and the user warnings. tests/test_bad_arguments.py replays them on minikeras.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import bad_argument_cases as cases  # noqa: E402


def main():
    outcomes = {}
    for name, case in cases.CASES.items():
        outcomes[name] = cases.play(keras, case)
        print(name, str(outcomes[name])[:160])
    record = {"keras": keras.__version__, "backend": keras.backend.backend(), "cases": outcomes}
    with open(os.path.join(HERE, "data", "bad_arguments.json"), "w") as file:
        json.dump(record, file, indent=1, sort_keys=True)
        file.write("\n")


if __name__ == "__main__":
    main()
