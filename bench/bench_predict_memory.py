"""Peak memory of `predict` on 10 million rows (not a timed test).

    python bench/bench_predict_memory.py [--rows 10000000] [--batch-size 1024]

A small MLP (8 features -> 64 relu -> 1) predicts on rows already in memory, quietly and with
the progress bar (the path that runs callbacks). Python's allocations during the call are
traced (tracemalloc; numpy reports its buffers to it): a streaming predict holds the output
and a few batches' activations, where materialising the hidden layer for every row would take
`rows * 64 * 4` bytes, and joining per-batch outputs at the end twice the output.
"""

import argparse
import os
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

import numpy as np  # noqa: E402

import minikeras  # noqa: E402

FEATURES, WIDTH = 8, 64


def megabytes(count):
    return count / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--batch-size", type=int, default=1024)
    args = parser.parse_args()
    model = minikeras.Sequential([minikeras.Input((FEATURES,)),
                                  minikeras.layers.Dense(WIDTH, activation="relu"),
                                  minikeras.layers.Dense(1)])
    x = np.random.default_rng(0).random((args.rows, FEATURES), dtype=np.float32)
    model.predict(x[:args.batch_size], verbose=0)  # built before measuring
    output = args.rows * 4
    print(f"rows: {args.rows:,} in batches of {args.batch_size}; input {megabytes(x.nbytes):.0f} "
          f"MB, output {megabytes(output):.1f} MB, one batch's hidden layer "
          f"{megabytes(args.batch_size * WIDTH * 4):.2f} MB, every row's "
          f"{megabytes(args.rows * WIDTH * 4):.0f} MB")
    for verbose in (0, 1):
        tracemalloc.start()
        started = time.perf_counter()
        model.predict(x, batch_size=args.batch_size, verbose=verbose)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"verbose={verbose}: peak {megabytes(peak):.1f} MB above the input "
              f"({peak / output:.2f} x the output), {seconds:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
