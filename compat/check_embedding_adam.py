"""Why an Embedding trained with Adam ends elsewhere under Keras 3 on TensorFlow: there its
gradient is a `tf.IndexedSlices` with one slice per token occurrence, and Keras' `ops.square`
squares the slices before they are summed, so Adam's second moment of a row gets the sum of
the squared per-occurrence gradients instead of the square of their sum. On JAX the gradient
is dense, as in minikeras. A token repeated within a batch is enough to tell them apart.

    /tmp/oracle/bin/python compat/check_embedding_adam.py

Trains the same Embedding -> GlobalAveragePooling1D -> Dense model from the same weights on
the same batches (no shuffling) under minikeras, Keras 3 on JAX and Keras 3 on TensorFlow,
with tokens repeated within batches and with every batch's tokens distinct, and prints each
Keras' largest weight difference from minikeras.
"""

import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train(repeated):
    if os.environ.get("RUNNER") == "minikeras":
        import minikeras as keras
    else:
        import keras
    rng = np.random.default_rng(0)
    if repeated:  # 16 reviews a batch, 30 tokens of 50 and padding: tokens recur
        x, batch_size = rng.integers(1, 50, (64, 40)), 16
        x[:, 30:] = 0
    else:  # one sequence of 40 distinct tokens a batch
        x, batch_size = np.stack([rng.permutation(50)[:40] for _ in range(64)]), 1
    y = (rng.random(64) > 0.5).astype("float32")
    model = keras.Sequential([
        keras.Input((40,), dtype="int64"), keras.layers.Embedding(50, 16),
        keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.random.default_rng(i).uniform(-0.3, 0.3, w.shape).astype("float32")
                       for i, w in enumerate(model.get_weights())])
    model.compile(loss="binary_crossentropy", optimizer="adam")
    model.fit(x.astype("int64"), y, epochs=1, batch_size=batch_size, shuffle=False, verbose=0)
    return [w.tolist() for w in model.get_weights()]


def run(runner, backend=None):
    env = dict(os.environ, RUNNER=runner, TF_CPP_MIN_LOG_LEVEL="3")
    python = sys.executable
    if runner == "minikeras":
        env["PYTHONPATH"] = os.path.join(ROOT, "src")
        python = os.environ.get("MINIKERAS_PYTHON", os.path.join(ROOT, ".venv", "bin", "python"))
    else:
        env["KERAS_BACKEND"] = backend
    out = subprocess.run([python, __file__, "train"], env=env, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    if sys.argv[1:] == ["train"]:
        print(json.dumps({str(r): train(r) for r in (True, False)}))
        return
    ours = run("minikeras")
    print("| batches | Keras 3 on JAX vs minikeras | Keras 3 on TensorFlow vs minikeras |")
    print("|---|---|---|")
    theirs = {backend: run("keras", backend) for backend in ("jax", "tensorflow")}
    for repeated, label in (("True", "tokens repeated"), ("False", "tokens distinct")):
        cells = [max(float(np.abs(np.array(a) - np.array(b)).max())
                     for a, b in zip(theirs[backend][repeated], ours[repeated]))
                 for backend in ("jax", "tensorflow")]
        print(f"| {label} | {cells[0]:.1e} | {cells[1]:.1e} |")


if __name__ == "__main__":
    main()
