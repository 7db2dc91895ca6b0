"""Saves under faults, at length: SIGKILL at random moments, and a really full disk.

    python bench/fault_saves.py [--trials 60] [--seed 0] [--no-cleanup]
    python bench/fault_saves.py --full-disk DIR     # DIR: a small tmpfs, e.g. as root
        mount -t tmpfs -o size=2m tmpfs DIR

Kills: for each kind (`.keras`, `.h5`, `.weights.h5`, Keras 2 weights `.h5`, a
`ModelCheckpoint` saving at every batch during `fit`), `--trials` children save one target in
a loop and are killed with SIGKILL after a random delay (tests/save_faults.py); the target is
then loaded and checked to hold one save whole. Prints the torn files and the temporary files
left behind (with `--no-cleanup`, as they pile up when saves do not remove their dead
predecessors' temporaries). Full disk: each format is saved once, the disk filled, then saved
again; the old file must be intact and the error clear. Results are in docs/safety.md.
"""

import argparse
import collections
import os
import pathlib
import sys
import tempfile
import time
import warnings

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "src"))

import numpy as np  # noqa: E402

import save_faults  # noqa: E402
from minikeras.saving import atomic  # noqa: E402


def kills(trials, seed):
    rng = np.random.default_rng(seed)
    template = save_faults.small_model()
    for kind in save_faults.KINDS:
        states, most = collections.Counter(), 0
        with tempfile.TemporaryDirectory() as directory:
            for _ in range(trials):
                state, leftovers = save_faults.kill_trial(directory, kind,
                                                          rng.uniform(0.05, 0.5), template)
                states["torn" if state.startswith("torn") else state] += 1
                most = max(most, len(leftovers))
            left = len(leftovers)
            save_faults.save(template, pathlib.Path(directory) / save_faults.KINDS[kind])
            after = sum(name.endswith(".tmp") for name in os.listdir(directory))
        print(f"{kind:18} {dict(states)}; temporaries left: {left} after the last kill "
              f"(at most {most}), {after} after one more save", flush=True)


def full_disk(directory):
    directory = pathlib.Path(directory)
    small = save_faults.small_model()
    for filename in ("m.keras", "m.h5", "w.weights.h5", "w.h5"):
        path = directory / filename
        save_faults.save(small, path)
        before = path.read_bytes()
        filler = directory / "filler"
        with open(filler, "wb", buffering=0) as f:  # fill the disk to its last block
            try:
                while f.write(b"\0" * 4096):
                    pass
            except OSError:
                pass
        for weight in small.weights:
            weight.value[...] = 7
        try:
            save_faults.save(small, path)
            outcome = "saved?!"
        except OSError as error:
            outcome = f"{type(error).__name__}: {error}"
        intact = path.read_bytes() == before
        leftovers = [name for name in os.listdir(directory) if name.endswith(".tmp")]
        print(f"{filename:14} old file intact: {intact}; temporaries left: {len(leftovers)}; "
              f"{outcome[:160]}")
        filler.unlink()
        path.unlink()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=60, help="kills per kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cleanup", action="store_true",
                        help="saves do not remove dead writers' temporaries (the old behaviour)")
    parser.add_argument("--full-disk", metavar="DIR", help="a small tmpfs to fill")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    start = time.time()
    if args.no_cleanup:
        atomic.remove_stale_temporaries = lambda target: None
    if args.full_disk:
        full_disk(args.full_disk)
    else:
        kills(args.trials, args.seed)
    print(f"{time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
