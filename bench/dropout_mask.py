"""What Dropout's per-call mask costs in mnist_mlp's training step (784-512-512-10, two
Dropout(0.2), RMSprop, batch 128): Dropout as it is (the scaled mask its backward needs is a
new array every call) against a variant writing that mask into a buffer kept per layer and
shape, which is NOT safe in general (a second call before the backward overwrites the first
call's mask; see `layers/regularization/draws.py`) and exists here only to be measured.

    python bench/dropout_mask.py                     # both, interleaved rounds in one process:
                                                     # CPU time and minor page faults per step
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python bench/dropout_mask.py --variant kept --epochs 2   # instructions: run with
                                                     # --epochs 0 and 2, per variant, subtract
    python bench/dropout_mask.py --bytes             # what one training-mode forward and
                                                     # backward of each noise layer allocate
"""

import argparse
import os
import resource
import statistics
import time
import tracemalloc

import numpy as np

import minikeras as keras
from minikeras.layers import dropout
from minikeras.layers.regularization import draws

PER_CALL = dropout.Dropout.forward
_kept = {}


def kept_forward(self, inputs, training=False):
    """Dropout.forward with the mask in a kept buffer (unsafe: measurement only)."""
    if not training or self.rate == 0:
        return inputs, None
    keep = draws.keep_mask(self._rng, self._mask_shape(inputs.shape), self.rate)
    mask = _kept.get((id(self), keep.shape))
    if mask is None:
        mask = _kept[id(self), keep.shape] = np.empty(keep.shape, inputs.dtype)
    np.multiply(keep, inputs.dtype.type(1.0 / (1.0 - self.rate)), out=mask)
    return inputs * mask, mask


VARIANTS = {"per call (as it is)": PER_CALL, "kept (unsafe, for the measurement)": kept_forward}


def mnist_mlp():
    rng = np.random.default_rng(0)
    x = rng.random((128 * 8, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, len(x))]
    model = keras.Sequential([
        keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2), keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    return model, x, y


def interleaved(rounds):
    model, x, y = mnist_mlp()
    steps = 2 * len(x) // 128
    seen = {label: ([], []) for label in VARIANTS}
    for _ in range(rounds):
        for label, forward in VARIANTS.items():
            dropout.Dropout.forward = forward
            model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)
            faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            start = time.process_time()
            model.fit(x, y, batch_size=128, epochs=2, verbose=0)
            seen[label][0].append((time.process_time() - start) / steps * 1e3)
            seen[label][1].append(
                (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / steps)
    for label, (cpu, faults) in seen.items():
        print(f"{label:36} CPU {statistics.median(cpu):6.2f} ms a step (fastest "
              f"{min(cpu):5.2f})  minor page faults {statistics.median(faults):5.1f} a step")
    print(f"{rounds} rounds; load average", " ".join(f"{v:.1f}" for v in os.getloadavg()),
          "; OPENBLAS_NUM_THREADS =", os.environ.get("OPENBLAS_NUM_THREADS"))


def allocations():
    """tracemalloc's peak during one forward and one backward (after a first call), in
    multiples of the input's bytes: outputs and contexts included, scratch excluded."""
    x = np.random.default_rng(0).random((128, 512), dtype=np.float32)
    for name in ("Dropout", "AlphaDropout", "GaussianNoise", "GaussianDropout"):
        layer = getattr(keras.layers, name)(0.2, seed=1)
        layer.forward(x, training=True)
        tracemalloc.start()
        outputs, ctx = layer.forward(x, training=True)
        forward = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        tracemalloc.start()
        layer.backward(ctx, x, None)
        backward = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{name:16} forward {forward / x.nbytes:4.2f}x the input's bytes, "
              f"backward {backward / x.nbytes:4.2f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", choices=("per-call", "kept"))
    parser.add_argument("--epochs", type=int, default=0)
    parser.add_argument("--bytes", action="store_true")
    args = parser.parse_args()
    if args.bytes:
        allocations()
    elif args.variant is None:
        interleaved(int(os.environ.get("BENCH_ROUNDS", 15)))
    else:
        dropout.Dropout.forward = kept_forward if args.variant == "kept" else PER_CALL
        model, x, y = mnist_mlp()
        if args.epochs:
            model.fit(x, y, batch_size=128, epochs=args.epochs, verbose=0)
