"""The engine's hot paths counted in CPU instructions (valgrind's callgrind), for a machine
whose timings cannot be trusted (shared, loaded): instruction counts do not move with load.

    python bench/engine_instructions.py [SRC ...]     # default: this checkout's src
    BENCH_CASE="text fit step" python bench/engine_instructions.py [SRC ...]  # one case
    BENCH_GC_FREEZE=1 python bench/engine_instructions.py [SRC ...]  # steadier counts (below)

For each source tree (e.g. a checkout of the commit before a change, and this one), it runs a
workload twice under callgrind with two repeat counts and reports the difference per repeat,
so that start-up and imports cancel out:
- `fit step`: one training step of the seed model (10-64-64-10, Adam, categorical
  crossentropy, accuracy, batch 32), inside `fit`;
- `model(x)` and `predict`: one row of the same model;
- `text fit step`: one training step of bench/bench_text.py's model (Embedding(10000, 16,
  mask_zero=True), GlobalAveragePooling1D, Dense(16, relu), Dense(1, sigmoid), Adam, batch 32
  of 200 token ids), inside `fit`.

Needs valgrind (Debian's package). One BLAS thread, so that the counts do not depend on how
work is split. Slow: about a minute per run on a quiet machine.
"""

import os
import re
import subprocess
import sys
import tempfile

# With BENCH_GC_FREEZE=1 the objects made before the measured part are frozen (`gc.freeze`):
# the collector's full passes then walk only what the measured part made, and where one falls
# no longer moves a count by 1-2 M instructions (a tenth of a small-fit step's count, from run
# to run of one tree, without it).
FREEZE = """
import gc, os
def freeze():
    if os.environ.get("BENCH_GC_FREEZE") == "1":
        gc.collect()
        gc.freeze()
"""

WORKLOAD = FREEZE + """
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
freeze()
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

TEXT_WORKLOAD = FREEZE + """
import sys
import numpy as np
import minikeras as keras
rng = np.random.default_rng(0)
lengths = rng.integers(20, 201, 320)
x = np.where(np.arange(200) < lengths[:, None], rng.integers(1, 10000, (320, 200)), 0)
x, y = x.astype(np.int32), rng.integers(0, 2, (320, 1)).astype(np.float32)
model = keras.Sequential([keras.Input((200,), dtype="int32"),
    keras.layers.Embedding(10000, 16, mask_zero=True), keras.layers.GlobalAveragePooling1D(),
    keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=1, batch_size=32, verbose=0)
freeze()
model.fit(x, y, epochs=int(sys.argv[2]), batch_size=32, verbose=0)  # 10 steps an epoch
"""

# (workload, (repeats low, high), units per repeat)
CASES = [("fit step", (0, 3), 10), ("model(x)", (0, 200), 1), ("predict", (0, 200), 1),
         ("text fit step", (0, 3), 10)]
WORKLOADS = {"text fit step": TEXT_WORKLOAD}


def instructions(src, script, what, repeats):
    env = {**os.environ, "PYTHONPATH": src, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, script, what, str(repeats)],
        env=env, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def main(sources, workload=WORKLOAD, cases=CASES, workloads=WORKLOADS):
    """Print each case's instructions per unit for each source tree: a case runs
    `workloads[case]` if there is one, else `workload` (scripts taking the case's name and a
    repeat count; bench/recurrent_instructions.py has its own)."""
    scripts = {}
    for name, text in [(None, workload), *workloads.items()]:
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:
            file.write(text)
        scripts[name] = file.name
    try:
        print(f"{'workload':18s} " + " ".join(f"{os.path.basename(os.path.dirname(s)) or s:>14s}"
                                             for s in sources))
        for what, (low, high), units in cases:
            if os.environ.get("BENCH_CASE") not in (None, what):
                continue
            counts = []
            for src in sources:
                script = scripts.get(what, scripts[None])
                low_count = instructions(src, script, what, low)
                high_count = instructions(src, script, what, high)
                counts.append((high_count - low_count) / ((high - low) * units))
            print(f"{what:18s} " + " ".join(f"{c:14,.0f}" for c in counts))
    finally:
        for script in scripts.values():
            os.unlink(script)


if __name__ == "__main__":
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    main([os.path.abspath(s) for s in sys.argv[1:]] or [here])
