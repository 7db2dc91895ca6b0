"""The engine's hot paths counted in CPU instructions (valgrind's callgrind), for a machine
whose timings cannot be trusted (shared, loaded): instruction counts do not move with load.

    python bench/engine_instructions.py [SRC ...]     # default: this checkout's src

For each source tree (e.g. a checkout of the commit before a change, and this one), it runs a
workload twice under callgrind with two repeat counts and reports the difference per repeat,
so that start-up and imports cancel out:
- `fit step`: one training step of the seed model (10-64-64-10, Adam, categorical
  crossentropy, accuracy, batch 32), inside `fit`;
- `model(x)` and `predict`: one row of the same model.

Needs valgrind (Debian's package). One BLAS thread, so that the counts do not depend on how
work is split. Slow: about a minute per run on a quiet machine.
"""

import os
import re
import subprocess
import sys
import tempfile

WORKLOAD = """
import sys
import numpy as np
import minikeras as keras
rng = np.random.default_rng(0)
x = rng.random((320, 10), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 320)]
model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=1, batch_size=32, verbose=0)
what, n = sys.argv[1], int(sys.argv[2])
row = x[:1]
if what == "fit step":
    model.fit(x, y, epochs=n, batch_size=32, verbose=0)  # 10 steps an epoch
elif what == "model(x)":
    for _ in range(n):
        model(row)
else:
    for _ in range(n):
        model.predict(row, verbose=0)
"""

# (workload, (repeats low, high), units per repeat)
CASES = [("fit step", (0, 3), 10), ("model(x)", (0, 200), 1), ("predict", (0, 200), 1)]


def instructions(src, script, what, repeats):
    env = {**os.environ, "PYTHONPATH": src, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, script, what, str(repeats)],
        env=env, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def main(sources, workload=WORKLOAD, cases=CASES):
    """Print each case's instructions per unit for each source tree; `workload` is a script
    taking the case's name and a repeat count (bench/recurrent_instructions.py has its own)."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
        file.write(workload)
    try:
        print(f"{'workload':18s} " + " ".join(f"{os.path.basename(os.path.dirname(s)) or s:>14s}"
                                             for s in sources))
        for what, (low, high), units in cases:
            counts = []
            for src in sources:
                low_count = instructions(src, file.name, what, low)
                high_count = instructions(src, file.name, what, high)
                counts.append((high_count - low_count) / ((high - low) * units))
            print(f"{what:18s} " + " ".join(f"{c:14,.0f}" for c in counts))
    finally:
        os.unlink(file.name)


if __name__ == "__main__":
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    main([os.path.abspath(s) for s in sys.argv[1:]] or [here])
