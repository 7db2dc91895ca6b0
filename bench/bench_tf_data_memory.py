"""Peak memory of `fit` on a `from_generator` pipeline of 10 million rows (not a timed test).

    python bench/bench_tf_data_memory.py [--rows 10000000] [--batch-size 1000]

A generator yields one row at a time (10 float32 features and a label, made on the fly); the
pipeline maps, batches and prefetches them, and one epoch of `fit` trains a small MLP on every
row. The process' peak resident memory is sampled at each tenth of the epoch: a streaming
pipeline keeps it flat, where the rows as arrays would take `rows * 44` bytes.
"""

import argparse
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

import numpy as np  # noqa: E402

import minikeras  # noqa: E402
from minikeras.compat import tensorflow as tf  # noqa: E402

FEATURES = 10


def peak_megabytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def rows(count):
    rng = np.random.default_rng(0)
    weights = rng.standard_normal(FEATURES).astype("float32")
    for _ in range(count):
        x = rng.standard_normal(FEATURES, dtype=np.float32)
        yield x, np.float32(x @ weights > 0)


class PeakMemory(minikeras.callbacks.Callback):
    """Peak RSS after each tenth of the epoch's batches."""

    def __init__(self, steps):
        super().__init__()
        self.every, self.samples = max(steps // 10, 1), []

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every == 0:
            self.samples.append(round(peak_megabytes(), 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    dataset = (tf.data.Dataset.from_generator(
        lambda: rows(args.rows),
        output_signature=(tf.TensorSpec((FEATURES,), tf.float32), tf.TensorSpec((), tf.float32)))
        .map(lambda x, y: (x * 2.0, y))
        .batch(args.batch_size)
        .prefetch(tf.data.AUTOTUNE))
    model = minikeras.Sequential([minikeras.Input((FEATURES,)),
                                  minikeras.layers.Dense(32, activation="relu"),
                                  minikeras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    steps = -(-args.rows // args.batch_size)
    memory = PeakMemory(steps)
    before = peak_megabytes()
    started = time.perf_counter()
    model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False,
              callbacks=[memory])
    seconds = time.perf_counter() - started
    print(f"rows: {args.rows:,} in batches of {args.batch_size}; {seconds:.0f} s "
          f"({seconds / args.rows * 1e6:.1f} us a row)")
    print(f"peak RSS before fit: {before:.1f} MB; after each tenth of the epoch (MB): "
          f"{memory.samples}")
    print(f"the rows as float32 arrays would take {args.rows * (FEATURES + 1) * 4 / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
