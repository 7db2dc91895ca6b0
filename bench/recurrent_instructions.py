"""The recurrent layers' hot paths counted in CPU instructions (valgrind's callgrind), as
bench/engine_instructions.py counts the engine's (same method: two repeat counts, the
difference per repeat; one BLAS thread).

    python bench/recurrent_instructions.py [SRC ...]     # default: this checkout's src
    BENCH_CASES="LSTM predict,GRU fit step" python bench/recurrent_instructions.py ...  # some

Per layer (SimpleRNN, LSTM, GRU, 64 units, over 100 steps of 32 features, Dense(10, softmax)
on top, Adam, categorical crossentropy; bench/bench_recurrent.py's model):
- `<layer> predict`: `predict` of one sequence;
- `<layer> fit step`: one training step on a batch of 64, inside `fit`;
- named in `BENCH_CASES` only: `<layer> masked fit step` (the sequences padded with zeros
  after 50-100 steps, a `Masking` layer first) and `<layer> recurrent_dropout fit step`
  (`recurrent_dropout=0.2`).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import engine_instructions  # noqa: E402

WORKLOAD = """
import sys
import numpy as np
import minikeras as keras
layer, what = sys.argv[1].split(" ", 1)
n = int(sys.argv[2])
rng = np.random.default_rng(0)
x = rng.uniform(-1, 1, (64, 100, 32)).astype(np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]
masked = what.startswith("masked")
if masked:
    x[np.arange(100) >= rng.integers(50, 101, 64)[:, None]] = 0.0
options = {"recurrent_dropout": 0.2} if what.startswith("recurrent_dropout") else {}
model = keras.Sequential([keras.Input((100, 32)), *([keras.layers.Masking()] if masked else []),
                          getattr(keras.layers, layer)(64, **options),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x, y, batch_size=64, epochs=1, verbose=0)
model.predict(x[:1], verbose=0)
if what.endswith("fit step"):
    model.fit(x, y, batch_size=64, epochs=n, verbose=0)
else:
    for _ in range(n):
        model.predict(x[:1], verbose=0)
"""

CASES = [(f"{layer} {what}", (0, repeats), 1) for layer in ("SimpleRNN", "LSTM", "GRU")
         for what, repeats in (("predict", 10), ("fit step", 1))]
EXTRA_CASES = [(f"{layer} {what} fit step", (0, 1), 1) for layer in ("SimpleRNN", "LSTM", "GRU")
               for what in ("masked", "recurrent_dropout")]
if os.environ.get("BENCH_CASES"):
    CASES = [case for case in CASES + EXTRA_CASES
             if case[0] in os.environ["BENCH_CASES"].split(",")]

if __name__ == "__main__":
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    engine_instructions.main([os.path.abspath(s) for s in sys.argv[1:]] or [here], WORKLOAD,
                             CASES, workloads={})
