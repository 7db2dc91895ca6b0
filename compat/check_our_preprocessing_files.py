"""Real Keras 3 and tf_keras load the preprocessing models minikeras writes (docs/compat.md).

    /tmp/oracle/bin/python compat/check_our_preprocessing_files.py

1. `... write DIR` (the project's Python, PYTHONPATH=src; MINIKERAS_PYTHON chooses it):
   minikeras loads each Keras 3 reference model of compat/data/files/prep/ (adapted layers, a
   trained Dense), saves it as `.keras` and `.h5`, with the inputs and its predictions.
2. `... read DIR k3` and `... read DIR k2` (the oracle): each Keras loads each file and
   predicts; the largest difference from minikeras' predictions is printed as a table.
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREP = os.path.join(ROOT, "compat", "data", "files", "prep")


def inputs(recorded, strings=lambda x: x):
    """The recorded inputs as arrays (a dict of them by input name for functional models),
    string arrays passed through `strings`."""
    if isinstance(recorded, dict):
        return {name: inputs(value, strings) for name, value in recorded.items()}
    x = np.array(recorded)
    return strings(x) if x.dtype.kind == "U" else x.astype(np.int64) if x.dtype.kind == "i" else x


def write(directory):
    import warnings

    import minikeras as mk

    warnings.simplefilter("ignore")
    manifest = json.load(open(os.path.join(PREP, "manifest.json")))
    for name, entry in sorted(manifest.items()):
        if entry["keras"] != "k3" or entry["format"] != "keras":
            continue
        data = json.load(open(os.path.join(PREP, entry["json"])))
        model = mk.models.load_model(os.path.join(PREP, name))
        for suffix in (".keras", ".h5"):
            model.save(os.path.join(directory, entry["model"] + suffix))
        pred = model.predict(inputs(data["x"]), verbose=0)
        with open(os.path.join(directory, entry["model"] + ".json"), "w") as f:
            json.dump({"x": data["x"], "pred": pred.tolist()}, f)


def read(directory, which):
    import tensorflow as tf

    if which == "k2":
        import tf_keras as keras
    else:
        import keras
    results = {}
    for file in sorted(os.listdir(directory)):
        stem, suffix = os.path.splitext(file)
        if suffix not in (".keras", ".h5"):
            continue
        data = json.load(open(os.path.join(directory, stem + ".json")))
        x = inputs(data["x"], tf.constant)
        try:
            model = keras.models.load_model(os.path.join(directory, file), compile=False)
            pred = np.asarray(model.predict(x, verbose=0))
            expected = np.array(data["pred"], dtype=np.float64)
            # NaN where both give NaN (a review of no known token, averaged over no step).
            both_nan = np.isnan(pred) & np.isnan(expected)
            results[file] = float(np.max(np.where(both_nan, 0, np.abs(pred - expected))))
        except Exception as error:  # noqa: BLE001  (reported in the table)
            results[file] = f"{type(error).__name__}: {str(error)[:120]}"
    print(json.dumps(results))


def main():
    if sys.argv[1:2] == ["write"]:
        return write(sys.argv[2])
    if sys.argv[1:2] == ["read"]:
        return read(sys.argv[2], sys.argv[3])
    directory = tempfile.mkdtemp()
    python = os.environ.get("MINIKERAS_PYTHON", os.path.join(ROOT, ".venv", "bin", "python"))
    env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "src")}
    subprocess.run([python, __file__, "write", directory], check=True, env=env)
    tables = {}
    for which in ("k3", "k2"):
        out = subprocess.run([sys.executable, __file__, "read", directory, which], check=True,
                             capture_output=True, text=True).stdout
        tables[which] = json.loads(out.strip().splitlines()[-1])
    print("| file minikeras wrote | Keras 3.15 | tf_keras 2.21 |\n|---|---|---|")
    for file in sorted(tables["k3"]):
        cells = [_cell(tables[w][file]) for w in ("k3", "k2")]
        print(f"| `{file}` | {cells[0]} | {cells[1]} |")


def _cell(value):
    return f"loads, max diff {value:.1e}" if isinstance(value, float) else f"fails: {value}"


if __name__ == "__main__":
    main()
