"""CPU time of the recurrent layers alone (SimpleRNN, LSTM, GRU, 64 units, 100 steps of 32
features): a call on one sequence, and a training step's forward and backward of the layer at
batch 64 through `GradientTape`. CPU time (`time.process_time`), best of 5: on a loaded
machine it moves less than wall time. Run it once per checkout, in turns:

    for s in /path/to/other/src src; do OPENBLAS_NUM_THREADS=1 PYTHONPATH=$s \\
        python bench/recurrent_layer_cpu.py; done
"""

import time

import numpy as np

import minikeras as keras
from minikeras import GradientTape, ops

BATCH = 64


def best_cpu_time(function, number):
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for _ in range(number):
            function()
        best = min(best, (time.process_time() - start) / number)
    return best


def main():
    rng = np.random.default_rng(0)
    for name in ("SimpleRNN", "LSTM", "GRU"):
        layer = getattr(keras.layers, name)(64)
        x = rng.uniform(-1, 1, (BATCH, 100, 32)).astype(np.float32)
        upstream = rng.normal(size=(BATCH, 64)).astype(np.float32)

        def train_step(layer=layer, x=x, upstream=upstream):
            with GradientTape() as tape:
                total = ops.sum(layer(x, training=True) * upstream)
            tape.gradient(total, layer.trainable_weights)

        def one_sequence(layer=layer, x=x[:1]):
            layer(x)

        train_step(), one_sequence()
        print(f"{name}: one sequence {best_cpu_time(one_sequence, 50) * 1e3:.2f} ms, "
              f"train step (batch {BATCH}) {best_cpu_time(train_step, 5) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
