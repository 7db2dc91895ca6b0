"""Record `keras.preprocessing.image.smart_resize` and `ImageDataGenerator.flow_from_dataframe`
(Keras 3) and `keras.preprocessing.sequence.TimeseriesGenerator` (tf_keras: Keras 3 dropped
it) on the cases of tests/image_sequence_cases.py.

Run under the oracle with pandas and Pillow importable (the oracle has neither: install them
apart, e.g. `pip install --target /tmp/pdlib pandas pillow`, and drop the numpy that brings):
    PYTHONPATH=/tmp/pdlib /tmp/oracle/bin/python compat/make_image_sequence.py
Writes compat/data/image_sequence.npz (arrays named `<case>/<name>`) and
compat/data/image_sequence.json (errors and versions), read by tests/test_image_sequence.py.
"""

import json
import os
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas  # noqa: E402
import tf_keras  # noqa: E402
from keras.preprocessing.image import smart_resize  # noqa: E402
from keras.src.legacy.preprocessing.image import ImageDataGenerator  # noqa: E402
from tf_keras.preprocessing.sequence import TimeseriesGenerator  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data", "image_sequence")
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
import image_sequence_cases as cases  # noqa: E402


def run(table, *arguments):
    arrays, errors = {}, {}
    for name, function in table.items():
        try:
            result = function(*arguments)
        except Exception as error:  # noqa: BLE001 - recording what Keras raises
            errors[name] = {"type": type(error).__name__, "message": str(error)}
            continue
        if name.startswith("error_"):
            raise AssertionError(f"{name} raised nothing")
        for key, value in result.items():
            arrays[f"{name}/{key}"] = np.asarray(value)
    return arrays, errors


def main():
    arrays, errors = {}, {}
    with tempfile.TemporaryDirectory() as folder:
        cases.make_images(folder)
        for table, arguments in ((cases.RESIZE_CASES, (smart_resize,)),
                                 (cases.DATAFRAME_CASES, (ImageDataGenerator, pandas, folder)),
                                 (cases.TIMESERIES_CASES, (TimeseriesGenerator,))):
            found, failed = run(table, *arguments)
            arrays.update(found)
            errors.update(failed)
    np.savez_compressed(OUT + ".npz", **arrays)
    with open(OUT + ".json", "w") as f:
        json.dump({"versions": {"keras": keras.__version__, "tf_keras": tf_keras.__version__,
                                "pandas": pandas.__version__},
                   "errors": errors}, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
