"""The recurrent layers' hot paths counted in CPU instructions (valgrind's callgrind), as
bench/engine_instructions.py counts the engine's (same method: two repeat counts, the
difference per repeat; one BLAS thread).

    python bench/recurrent_instructions.py [SRC ...]     # default: this checkout's src
    BENCH_CASES="LSTM predict,GRU fit step" python bench/recurrent_instructions.py ...  # some

Per layer (SimpleRNN, LSTM, GRU, 64 units, over 100 steps of 32 features, Dense(10, softmax)
on top, Adam, categorical crossentropy; bench/bench_recurrent.py's model):
- `<layer> predict`: `predict` of one sequence;
- `<layer> fit step`: one training step on a batch of 64, inside `fit`.
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
model = keras.Sequential([keras.Input((100, 32)), getattr(keras.layers, layer)(64),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x, y, batch_size=64, epochs=1, verbose=0)
model.predict(x[:1], verbose=0)
if what == "fit step":
    model.fit(x, y, batch_size=64, epochs=n, verbose=0)
else:
    for _ in range(n):
        model.predict(x[:1], verbose=0)
"""

CASES = [(f"{layer} {what}", (0, repeats), 1) for layer in ("SimpleRNN", "LSTM", "GRU")
         for what, repeats in (("predict", 10), ("fit step", 1))]
if os.environ.get("BENCH_CASES"):
    CASES = [case for case in CASES if case[0] in os.environ["BENCH_CASES"].split(",")]

if __name__ == "__main__":
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    engine_instructions.main([os.path.abspath(s) for s in sys.argv[1:]] or [here], WORKLOAD,
                             CASES, workloads={})
