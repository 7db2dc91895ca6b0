"""Recurrent models saved by real Keras 3 and tf_keras in every format, for tests/test_saving.py.

    /tmp/oracle/bin/python compat/make_recurrent_files.py        # both halves below
    /tmp/oracle/bin/python compat/make_recurrent_files.py k3     # Keras 3 only
    /tmp/oracle/bin/python compat/make_recurrent_files.py --only attention   # a model, both
    TF_USE_LEGACY_KERAS=1 /tmp/oracle/bin/python compat/make_recurrent_files.py k2
    KERAS_BACKEND=jax /tmp/oracle/bin/python compat/make_recurrent_files.py resume-on-jax \
        compat/data/files/k3_embedding.keras          # (run by `k3`) its resumed weights

Writes into compat/data/files/ the files, the `.npz` beside them and `manifest_recurrent.json`,
in the layout of make_saved_files.py (tests/test_saving.py reads every manifest): the inputs,
Keras' predictions, the weights and optimizer state at save time, and for compiled models the
weights after two more `train_on_batch` steps (for Keras 3's `embedding`, taken on JAX: see
RESUMED_ON_JAX). Models:
  recurrent      LSTM (regularized, constrained, implementation=1), GRU (reset_after=False),
                 TimeDistributed(Dense), SimpleRNN going backwards, Bidirectional with its own
                 backward layer; Adam
  bidirectional  Bidirectional GRU/SimpleRNN/LSTM in the merge modes mul, ave, concat; RMSprop
  stacked        RNN of stacked LSTM/GRU cells, RNN(SimpleRNNCell); SGD with momentum
  dropout        GRU and LSTM with dropout and recurrent dropout (predictions only)
  embedding      Embedding(mask_zero=True) before an LSTM and a Bidirectional GRU: masked
  masking        Masking before a GRU, TimeDistributed(Dense) and a SimpleRNN: masked
  time_major     (tf_keras only) an LSTM with time_major=True, which Keras 3 refuses to load
  functional_recurrent, attention   functional models (functional_models)
"""

import json
import os
import subprocess
import sys

import numpy as np

from make_saved_files import OUT, record_resumed_training, run_both_generations  # noqa: E402

SUFFIXES = {"keras": ".keras", "h5": ".h5", "weights.h5": ".weights.h5",
            "weights_h5": "_weights.h5"}
ALL = {"k3": ["keras", "weights.h5", "h5"], "k2": ["h5", "weights_h5", "keras", "weights.h5"]}
# Every format for `recurrent`; one or two elsewhere keep the data small (HDF5 costs a few KB
# per layer, and an RNN's cell is a layer of its own).
FORMATS = {
    "k3": {"recurrent": ALL["k3"], "bidirectional": ["keras", "h5"], "stacked": ["keras"],
           "dropout": ["keras"], "embedding": ["keras"], "masking": ["h5"],
           "functional_recurrent": ALL["k3"], "attention": ALL["k3"]},
    "k2": {"recurrent": ALL["k2"], "bidirectional": ["h5", "weights_h5"], "stacked": ["h5"],
           "dropout": ["h5"], "embedding": ["h5"], "masking": ["keras"], "time_major": ["h5"],
           "functional_recurrent": ALL["k2"], "attention": ALL["k2"]},
}
# The layers a model needs beyond the recurrent ones (tests skip it until minikeras has them).
NEEDS = {"embedding": ["Embedding"], "masking": ["Masking"]}
# Keras 3 on TensorFlow hands Adam an Embedding's gradient as tf.IndexedSlices, one slice per
# occurrence of a token, and its `ops.square` squares each slice before they are summed into
# the second moment: sum(g_i**2) where the gradient's square is (sum g_i)**2. Keras 3 on JAX
# (dense gradients) and minikeras square the gradient, so a batch repeating a token resumes
# ~2e-3 off the TensorFlow weights. The resumed weights of these Keras 3 models are taken on
# JAX, from the file just saved (docs/compat.md, known differences).
RESUMED_ON_JAX = {"embedding"}


def functional_models(keras, legacy):
    """name -> (model, compile arguments): the functional models, which minikeras also saves
    for Keras to load (compat/check_our_files.py). `attention` has Keras 3's additions (a gated
    MultiHeadAttention, GroupQueryAttention, attention over one axis of a rank-4 input) only
    where the library has them."""
    L, o = keras.layers, keras.optimizers
    x = keras.Input((5, 3))
    _, state_h, state_c = L.LSTM(4, return_sequences=True, return_state=True)(
        L.Masking(0.0)(x))
    # Keras 3 passes no mask to a layer called with two tensors: the GRU with an initial
    # state would run unmasked over the masked sequence (docs/compat.md), so it reads `x`.
    decoded = L.GRU(4, return_sequences=True)(x, initial_state=state_h)
    both_ways = L.Bidirectional(L.SimpleRNN(2, return_sequences=True))(decoded)
    last = L.LSTM(3)(L.TimeDistributed(L.Dense(2))(both_ways))
    recurrent = keras.Model(x, L.Dense(3, activation="softmax")(
        L.Concatenate()([last, state_c])), name="functional_recurrent")

    x = keras.Input((5, 3))
    attended = L.MultiHeadAttention(2, 3, **({} if legacy else {"use_gate": True}))(
        x, x, use_causal_mask=True)
    if not legacy:
        attended = L.GroupQueryAttention(2, 4, 2)(attended, x)
        grid = L.Reshape((1, 5, 3))(x)
        attended = L.Add()([attended, L.Reshape((5, 3))(
            L.MultiHeadAttention(2, 2, attention_axes=2)(grid, grid))])
    merged = L.Concatenate()([L.Attention(use_scale=True)([attended, x]),
                              L.AdditiveAttention()([attended, x])])
    attention = keras.Model(x, L.Dense(3, activation="softmax")(L.Flatten()(merged)),
                            name="attention")
    # SGD for attention: Adam would turn the rounding noise of a key bias's zero gradient into
    # steps (tests/recurrent_cases.py).
    return {
        "functional_recurrent": (recurrent, dict(optimizer=o.Adam(0.01),
                                                 loss="categorical_crossentropy")),
        "attention": (attention, dict(optimizer=o.SGD(0.1, momentum=0.9),
                                      loss="categorical_crossentropy")),
    }


def build_models(keras, legacy):
    """name -> (model, compile arguments or None, input kind)."""
    L, o = keras.layers, keras.optimizers
    sequence = keras.Input((5, 3))
    recurrent = keras.Sequential([
        sequence,
        L.LSTM(4, return_sequences=True, kernel_regularizer="l2", recurrent_constraint="max_norm",
               unit_forget_bias=False, bias_initializer=keras.initializers.RandomNormal(0, 0.1),
               implementation=1),
        L.GRU(3, return_sequences=True, reset_after=False, activation="relu"),
        L.TimeDistributed(L.Dense(2, activation="tanh")),
        L.SimpleRNN(3, return_sequences=True, go_backwards=True, use_bias=False),
        L.Bidirectional(L.LSTM(2), backward_layer=L.GRU(2, go_backwards=True)),
        L.Dense(3, activation="softmax"),
    ], name="recurrent")
    bidirectional = keras.Sequential([
        keras.Input((5, 3)),
        L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="mul"),
        L.Bidirectional(L.SimpleRNN(2, return_sequences=True), merge_mode="ave"),
        L.Bidirectional(L.LSTM(2, recurrent_regularizer="l1")),
        L.Dense(3, activation="softmax"),
    ], name="bidirectional")
    stacked = keras.Sequential([
        keras.Input((5, 3)),
        L.RNN([L.LSTMCell(3), L.GRUCell(2)], return_sequences=True),
        L.RNN(L.SimpleRNNCell(2, activation="sigmoid")),
        L.Dense(3, activation="softmax"),
    ], name="stacked")
    dropout = keras.Sequential([
        keras.Input((5, 3)),
        L.GRU(3, dropout=0.3, recurrent_dropout=0.2, return_sequences=True),
        L.LSTM(2, dropout=0.1),
    ], name="dropout")
    embedding = keras.Sequential([
        keras.Input((6,), dtype="int32"),
        L.Embedding(8, 3, mask_zero=True),
        L.LSTM(3, return_sequences=True),
        L.Bidirectional(L.GRU(2)),
        L.Dense(3, activation="softmax"),
    ], name="embedding")
    masking = keras.Sequential([
        keras.Input((5, 3)),
        L.Masking(0.0),
        L.GRU(3, return_sequences=True),
        L.TimeDistributed(L.Dense(2)),
        L.SimpleRNN(2),
        L.Dense(3, activation="softmax"),
    ], name="masking")
    models = {
        "recurrent": (recurrent, dict(optimizer=o.Adam(0.01), loss="categorical_crossentropy")),
        "bidirectional": (bidirectional, dict(optimizer=o.RMSprop(0.01), metrics=["accuracy"],
                                              loss="categorical_crossentropy")),
        "stacked": (stacked, dict(optimizer=o.SGD(0.1, momentum=0.9),
                                  loss="categorical_crossentropy")),
        "dropout": (dropout, None),
        "embedding": (embedding, dict(optimizer=o.Adam(0.01), loss="categorical_crossentropy")),
        "masking": (masking, dict(optimizer=o.Adam(0.01), loss="categorical_crossentropy")),
    }
    models.update(functional_models(keras, legacy))
    if legacy:
        models["time_major"] = (keras.Sequential([
            keras.Input((4, 3)), L.LSTM(2, time_major=True, return_sequences=True),
            L.Dense(1)], name="time_major"), None)
    return models


def inputs(name, rng, n):
    if name == "embedding":
        x = rng.integers(1, 8, (n, 6)).astype("int32")
        x[:, -2:] = 0  # padding at the end of every sequence
        x[::3, 2] = 0  # and a gap inside some
        return x
    if name == "time_major":
        return rng.uniform(-1, 1, (6, 4, 3)).astype("float32")
    x = rng.uniform(-1, 1, (n, 5, 3)).astype("float32")
    if name in ("masking", "functional_recurrent"):
        x[::2, -1] = 0.0
        x[1::3, 1] = 0.0
    return x


def targets(rng, n):
    return np.eye(3, dtype="float32")[rng.integers(0, 3, n)]


def run(which, only=()):
    """Save the models (those named in `only`, or all) with Keras 3 (`which` "k3") or
    tf_keras ("k2")."""
    legacy = which == "k2"
    if legacy:
        os.environ["TF_USE_LEGACY_KERAS"] = "1"
        import tf_keras as keras
    else:
        import keras
    keras.utils.set_random_seed(0)
    manifest = {}
    for name, (model, compile_args) in build_models(keras, legacy).items():
        if only and name not in only:
            continue
        rng = np.random.default_rng(len(name))
        x = inputs(name, rng, 4)
        arrays, iterations = {"x": x}, 0
        if compile_args:
            model.compile(**compile_args)
            model.fit(inputs(name, rng, 16), targets(rng, 16), batch_size=8, verbose=0)
            iterations = int(model.optimizer.iterations.numpy())
            arrays.update({f"opt{i}": np.asarray(v)
                           for i, v in enumerate(model.optimizer.variables)})
        arrays["pred"] = model.predict(x, verbose=0)
        arrays.update({f"w{i}": w for i, w in enumerate(model.get_weights())})
        stem = f"{which}_{name}"
        for fmt in FORMATS[which][name]:
            path = os.path.join(OUT, stem + SUFFIXES[fmt])
            (model.save if fmt in ("keras", "h5") else model.save_weights)(path)
            manifest[stem + SUFFIXES[fmt]] = {
                "model": name, "keras": keras.__version__, "writer": which, "format": fmt,
                "compiled": bool(compile_args), "iterations": iterations, "npz": stem + ".npz",
                "needs": NEEDS.get(name, []),
            }
        if compile_args:
            record_resumed_training(model, arrays, inputs(name, rng, 16), targets(rng, 16))
        np.savez_compressed(os.path.join(OUT, stem + ".npz"), **arrays)
        if not legacy and name in RESUMED_ON_JAX:
            resume_on_jax(os.path.join(OUT, stem + ".keras"))
            for fmt in FORMATS[which][name]:
                manifest[stem + SUFFIXES[fmt]]["resumed_on"] = "jax"
    with open(os.path.join(OUT, f"manifest_recurrent_{which}.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)


def resume_on_jax(path):
    """Replace the resumed weights in the `.npz` beside the Keras 3 file `path` with those
    Keras 3 on JAX reaches from the file (in a process of its own: the backend is chosen at
    import)."""
    if os.environ.get("KERAS_BACKEND") != "jax":
        env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3")
        subprocess.run([sys.executable, os.path.abspath(__file__), "resume-on-jax", path],
                       env=env, check=True)
        return
    import keras

    npz = path[:-len(".keras")] + ".npz"
    arrays = dict(np.load(npz))
    model = keras.models.load_model(path)
    for key in [k for k in arrays if k.startswith("resumed_w")]:
        del arrays[key]
    record_resumed_training(model, arrays, arrays["resume_x"], arrays["resume_y"])
    np.savez_compressed(npz, **arrays)


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "resume-on-jax":
        resume_on_jax(sys.argv[2])
        return
    if len(sys.argv) > 1 and sys.argv[1] in ("k3", "k2"):
        run(sys.argv[1], sys.argv[2:])
        return
    if len(sys.argv) > 2 and sys.argv[1] == "--only":  # these models, the others kept
        path = os.path.join(OUT, "manifest_recurrent.json")
        with open(path) as f:
            manifest = json.load(f)
        for which in ("k3", "k2"):
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
            env.pop("TF_USE_LEGACY_KERAS", None)
            if which == "k2":
                env["TF_USE_LEGACY_KERAS"] = "1"
            subprocess.run([sys.executable, os.path.abspath(__file__), which, *sys.argv[2:]],
                           env=env, check=True)
            part = os.path.join(OUT, f"manifest_recurrent_{which}.json")
            with open(part) as f:
                manifest.update(json.load(f))
            os.remove(part)
        with open(path, "w") as f:
            json.dump(manifest, f, indent=1, sort_keys=True)
        return
    manifest = run_both_generations(__file__, "manifest_recurrent")
    print(f"wrote {len(manifest)} files")


if __name__ == "__main__":
    main()
