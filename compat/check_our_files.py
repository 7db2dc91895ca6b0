"""Real Keras 3 and Keras 2 load every file minikeras writes; the results go to docs/compat.md.

    /tmp/oracle/bin/python compat/check_our_files.py

Three steps, each in its own process:
  1. `python compat/check_our_files.py write DIR` (the project's Python, PYTHONPATH=src; set
     MINIKERAS_PYTHON to choose the interpreter): minikeras builds, trains and saves models in
     every format (`.keras`, `.h5`, `.weights.h5`, Keras 2 `_weights.h5`), with the inputs, its
     predictions, and for compiled models the weights after two more steps of training.
  2. `check_our_files.py read DIR k3` and, with TF_USE_LEGACY_KERAS=1, `... read DIR k2`
     (the oracle): load each file (weights files into the architecture loaded from the model
     file), compare predictions, and for compiled models train the same two steps.
  3. The table replaces the section "Files: minikeras <-> Keras" of docs/compat.md.

`check_our_files.py functional` runs the functional models only (tests/functional_cases.py)
and replaces the section "Functional files: minikeras <-> Keras" instead.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import numpy as np

from layer_models import layer_models  # issue 11's layers
from make_recurrent_files import functional_models  # recurrent and attention, functional
from make_saved_files import targets  # the same training targets as Keras' own files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import conv_cases  # noqa: E402  (the convnets of compat/make_conv.py)
import image_preprocessing_cases  # noqa: E402  (compat/make_image_preprocessing.py's models)
import functional_cases  # noqa: E402  (the functional models of compat/make_functional_files.py)
SECTION = "## Files: minikeras <-> Keras"
FORMATS = {".keras": "Keras 3 `.keras`", ".h5": "legacy `.h5` model",
           ".weights.h5": "Keras 3 `.weights.h5`", "_weights.h5": "Keras 2 `.h5` weights"}
COMMON_ACTIVATIONS = ["elu", "exponential", "gelu", "linear", "mish", "relu", "selu", "sigmoid",
                      "softmax", "softplus", "softsign", "swish", "tanh"]
KERAS3_ONLY_ACTIVATIONS = ["celu", "hard_silu", "leaky_relu", "log_sigmoid", "relu6",
                           "sparse_plus", "squareplus", "tanh_shrink"]


# ----------------------------------------------------------------------------------------------
# Step 1: minikeras writes


def minikeras_models(mk):
    L, o = mk.layers, mk.optimizers

    def mlp(name, activation):
        return mk.Sequential([mk.Input((4,)), L.Dense(5, activation="relu"),
                              L.Dense(3, activation=activation)], name=name)

    def zoo(name, activations):
        layers = [mk.Input((3, 4))]
        regs = [None, "l1", "l2", {"class_name": "L1L2", "config": {"l1": 0.001, "l2": 0.002}}]
        cons = [None, "max_norm", "non_neg", "unit_norm"]
        inits = ["glorot_uniform", "he_normal", "lecun_uniform", "orthogonal", "random_normal",
                 "truncated_normal", "variance_scaling", "ones", "zeros", "identity"]
        for i, activation in enumerate(activations):
            layers.append(L.Dense(3, activation=activation, name=f"d_{activation}",
                                  kernel_initializer=inits[i % len(inits)],
                                  kernel_regularizer=regs[i % 4],
                                  bias_regularizer=regs[(i + 1) % 4],
                                  kernel_constraint=cons[i % 4], use_bias=i % 5 != 2))
            if i % 5 == 1:
                layers.append(L.Dropout(0.25))
            if i % 5 == 3:
                layers.append(L.Activation("tanh"))
        layers += [L.Reshape((1, 9)), L.Flatten(), L.Dense(4), L.Softmax()]
        return mk.Sequential(layers, name=name)

    chunked = mk.Sequential(
        [mk.Input((2,))] + [L.Dense(2, name=("long_" + "x" * 5400) if i == 0 else f"short_{i}")
                            for i in range(12)], name="chunked")
    convnets = {
        f"{name}_{data_format}": (
            conv_cases.build_model(mk, name, data_format),
            dict(optimizer=o.Adam(0.01), loss="categorical_crossentropy")
            if name == "conv2d" else None)  # the 3-class one trains on `targets`
        for data_format in ("channels_last", "channels_first")
        for name in ("conv1d", "conv2d", "conv3d")
    }
    # Untrained: their random layers draw differently in each library, so no resumed training.
    image_models = {
        f"image_{name}": (mk.Sequential([mk.Input(shape)] + [
            getattr(L, cls)(**kwargs) for cls, kwargs in specs], name=name), None)
        for which in ("k3", "k2")
        for name, (shape, specs) in image_preprocessing_cases.model_specs(which).items()
    }
    # tf_keras' variant of the attention model reads in both; Keras 3's adds its new layers.
    functional = functional_models(mk, legacy=True)
    functional["attention_keras3"] = functional_models(mk, legacy=False)["attention"]
    return {
        **convnets,
        **image_models,
        **functional,
        "seed": (mk.Sequential([L.Dense(64, activation="relu", input_shape=(10,)),
                                L.Dense(64, activation="relu"), L.Dense(10, activation="softmax")]),
                 dict(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])),
        "zoo": (zoo("zoo", COMMON_ACTIVATIONS), None),
        "zoo_keras3": (zoo("zoo_keras3", KERAS3_ONLY_ACTIVATIONS), None),
        "rmsprop": (mlp("rmsprop_model", "linear"),
                    dict(optimizer=o.RMSprop(0.01, momentum=0.9), loss="mse", metrics=["mae"])),
        "sgd": (mlp("sgd_model", "softmax"),
                dict(optimizer=o.SGD(0.1, momentum=0.9, nesterov=True),
                     loss="sparse_categorical_crossentropy", metrics=["accuracy"])),
        "chunked": (chunked, None),
        "recurrent": (mk.Sequential([
            mk.Input((5, 3)),
            L.LSTM(4, return_sequences=True, kernel_regularizer="l2", unit_forget_bias=False),
            L.GRU(3, return_sequences=True, reset_after=False),
            L.TimeDistributed(L.Dense(2, activation="tanh")),
            L.Bidirectional(L.SimpleRNN(2, return_sequences=True), merge_mode="ave"),
            L.RNN([L.LSTMCell(2), L.GRUCell(2)], go_backwards=True),
            L.Dense(3, activation="softmax")], name="recurrent"),
            dict(optimizer=o.Adam(0.01), loss="categorical_crossentropy")),
        "bidirectional": (mk.Sequential([
            mk.Input((5, 3)),
            L.Bidirectional(L.LSTM(3), backward_layer=L.GRU(3, go_backwards=True)),
            L.Dense(3, activation="softmax")], name="bidirectional"),
            dict(optimizer=o.RMSprop(0.01), loss="categorical_crossentropy")),
        "nested": (mk.Sequential([mk.Input((4,)), mk.Sequential(
            [mk.Input((4,)), L.Dense(5, activation="tanh"), L.Dense(5)], name="inner"),
            L.Dense(3, activation="softmax")], name="outer"),
            dict(optimizer=o.Adam(0.01), loss="categorical_crossentropy")),
    }


def uniform_inputs(shape):
    return lambda rng, rows: rng.uniform(-1, 1, (rows, *shape)).astype("float32")


def write(directory, only_functional=False):
    import warnings

    import minikeras as mk

    warnings.simplefilter("ignore")
    mk.utils.set_random_seed(0)
    if only_functional:
        return write_functional(mk, directory)
    models = {name: (model, compile_args, uniform_inputs(tuple(model.input_shape[1:])),
                     lambda rng, rows, name=name: targets(name, rng, rows))
              for name, (model, compile_args) in minikeras_models(mk).items()}
    models.update({f"layers_{name}": (model, compile_args, inputs, make_targets)
                   for name, (model, compile_args, inputs, make_targets, resumable)
                   in layer_models(mk, "k3").items() if resumable})
    for name, (model, compile_args, inputs, make_targets) in models.items():
        rng = np.random.default_rng(len(name))
        x = inputs(rng, 4)
        arrays = {"x": x}
        if compile_args:
            model.compile(**compile_args)
            model.fit(inputs(rng, 32), make_targets(rng, 32), batch_size=16, verbose=0)
        arrays["pred"] = model.predict(x, verbose=0)
        for suffix in FORMATS:
            path = os.path.join(directory, name + suffix)
            (model.save if suffix in (".keras", ".h5") else model.save_weights)(path)
        if compile_args:
            arrays["resume_x"] = inputs(rng, 16)
            arrays["resume_y"] = make_targets(rng, 16)
            model.fit(arrays["resume_x"], arrays["resume_y"], batch_size=8, shuffle=False,
                      verbose=0)
            arrays.update({f"resumed{i}": w for i, w in enumerate(model.get_weights())})
        np.savez(os.path.join(directory, name + ".npz"), **arrays)
    write_functional(mk, directory)
    # `minikeras convert` on files Keras saved; Keras' own uninterrupted run is the reference.
    from minikeras.saving import file_info

    files = os.path.join(ROOT, "compat", "data", "files")
    for source, target in (("k3_adam.keras", "converted_k3_adam.h5"),
                           ("k2_adam.h5", "converted_k2_adam.keras")):
        file_info.convert(os.path.join(files, source), os.path.join(directory, target))
        data = np.load(os.path.join(files, source.split(".")[0] + ".npz"))
        resumed = {f"resumed{k[len('resumed_w'):]}": data[k] for k in data.files
                   if k.startswith("resumed_w")}
        np.savez(os.path.join(directory, target.split(".")[0] + ".npz"), x=data["x"],
                 pred=data["pred"], resume_x=data["resume_x"], resume_y=data["resume_y"], **resumed)


def write_functional(mk, directory):
    """The functional models of tests/functional_cases.py (fixed weights) in every format, with
    flat inputs `x0..` and predictions `pred0..`."""
    fc = functional_cases
    for name in fc.MODELS:
        model = fc.build(mk, name)
        xs = fc.flat_predictions(fc.inputs_for(model))
        preds = fc.flat_predictions(model.predict(fc.structured(model, xs), verbose=0))
        stem = os.path.join(directory, f"functional_{name}")
        for suffix in FORMATS:
            (model.save if suffix in (".keras", ".h5") else model.save_weights)(stem + suffix)
        np.savez(stem + ".npz", **{f"x{i}": x for i, x in enumerate(xs)},
                 **{f"pred{i}": p for i, p in enumerate(preds)})
    # tf_keras' models with TFOpLambda layers, written to `.keras` as the Keras 3 ops they
    # compute; tf_keras' predictions are the reference.
    for name in ("op_nodes", "tf_functions"):
        source = os.path.join(ROOT, "compat", "data", "functional", f"k2_{name}")
        stem = os.path.join(directory, f"converted_k2_{name}")
        mk.models.load_model(source + ".h5").save(stem + ".keras")
        shutil.copyfile(source + ".npz", stem + ".npz")


def prediction_error(model, data):
    """The largest difference between `model`'s predictions and the stored ones."""
    if "x" in data.files:
        return float(np.abs(model.predict(data["x"], verbose=0) - data["pred"]).max())
    fc = functional_cases
    xs = [data[f"x{i}"] for i in range(sum(k.startswith("x") for k in data.files))]
    preds = [data[f"pred{i}"] for i in range(sum(k.startswith("pred") for k in data.files))]
    got = fc.flat_predictions(model.predict(fc.structured(model, xs), verbose=0))
    if len(got) != len(preds):
        raise ValueError(f"{len(got)} outputs, expected {len(preds)}")
    return max(float(np.abs(a - b).max()) for a, b in zip(got, preds))


# ----------------------------------------------------------------------------------------------
# Step 2: Keras reads


# A file Keras cannot finish loading becomes a row, not a stalled run: tf_keras' functional
# loader loops forever on a reference to a node that never appears (as minikeras' nested
# Sequential without its input layer once made it).
FILE_SECONDS = 300


def _took_too_long(signum, frame):
    raise TimeoutError(f"loading and predicting took more than {FILE_SECONDS} s")


def read(directory, which):
    import warnings

    warnings.simplefilter("ignore")
    signal.signal(signal.SIGALRM, _took_too_long)
    if which == "k2":
        import tf_keras as keras
    else:
        import keras
    results = {}
    for npz_name in sorted(n for n in os.listdir(directory) if n.endswith(".npz")):
        name = npz_name[:-4]
        data = np.load(os.path.join(directory, npz_name))
        architecture = None
        for suffix in FORMATS:
            path = os.path.join(directory, name + suffix)
            if not os.path.exists(path):
                continue
            weights_only = suffix not in (".keras", ".h5")
            if weights_only and architecture is None:
                results[name + suffix] = {"loaded": None}
                continue
            signal.alarm(FILE_SECONDS)
            try:
                if not weights_only:
                    model = keras.models.load_model(path)
                    architecture = architecture or path
                else:
                    model = keras.models.load_model(architecture, compile=False)
                    model.load_weights(path)
                row = {"loaded": True, "error": prediction_error(model, data)}
            except Exception as error:  # the table records what Keras says
                row = {"loaded": False, "error": f"{type(error).__name__}: {str(error)[:150]}"}
            if row["loaded"] and "resume_x" in data.files and not weights_only:
                try:
                    x, y = data["resume_x"], data["resume_y"]
                    for start in (0, 8):
                        model.train_on_batch(x[start:start + 8], y[start:start + 8])
                    row["resume_error"] = max(
                        float(np.abs(w - data[f"resumed{i}"]).max())
                        for i, w in enumerate(model.get_weights()))
                except Exception as error:
                    row["resume_error"] = f"{type(error).__name__}: {str(error)[:100]}"
            signal.alarm(0)
            results[name + suffix] = row
    print(json.dumps(results))


# ----------------------------------------------------------------------------------------------
# Step 3: the table


def cell(row):
    if row["loaded"] is None:
        return "not tried (no model file loaded to give the architecture)"
    if not row["loaded"]:
        return "✗ " + row["error"].split("\n")[0].replace("|", "\\|")
    text = "✓" if row["error"] <= 1e-5 else f"✗ predictions differ by {row['error']:.1e}"
    resumed = row.get("resume_error")
    if isinstance(resumed, str):
        text += f"; training cannot resume: {resumed.replace('|', '/')}"
    elif resumed is not None:
        text += ("; resumed training matches" if resumed <= 1e-5
                 else f"; resumed training differs ({resumed:.1e})")
    return text


def table(k3, k2):
    lines = [
        SECTION, "",
        "Made by `compat/check_our_files.py`: minikeras saves each model in every format, then "
        "Keras 3.15 and tf_keras 2.21 load the files (weights files into the architecture they "
        "loaded from the model file) and compare predictions with minikeras' (tolerance 1e-5). "
        "For compiled models, Keras then trains two more steps on fixed batches and compares "
        "the weights with minikeras doing the same after saving: equal weights mean the "
        "optimizer state (iterations and slots) was restored. The `converted_*` files are "
        "`minikeras convert` outputs of files Keras 3 and tf_keras saved (`k3_adam.keras`, "
        "`k2_adam.h5` in compat/data/files), checked against Keras' own uninterrupted run.", "",
        "| file | format | Keras 3.15 | tf_keras 2.21 |", "|---|---|---|---|",
    ]
    for name in sorted(k3, key=lambda name: (name.startswith("converted"), name)):
        suffix = next(s for s in sorted(FORMATS, key=len, reverse=True) if name.endswith(s))
        lines.append(f"| `{name}` | {FORMATS[suffix]} | {cell(k3[name])} | {cell(k2[name])} |")
    lines += [
        "",
        "The gaps are Keras' own, met with its own files too: tf_keras reads no Keras 3 "
        "`.keras` file (its InputLayer rejects `batch_shape`) and lacks the Keras 3-only "
        "activations of `zoo_keras3` and layers of `attention_keras3`; Keras 3 cannot "
        "continue training any compiled legacy `.h5` model, its own included (its loader "
        "builds the optimizer on no variables: 'Unknown variable'), and rebuilds a "
        "tf_keras-style `.h5` optimizer with default settings. minikeras' `.h5` follows "
        "tf_keras' layout (Keras 2 layer entries, `:0` names, optimizer variables without "
        "the learning rate), so tf_keras resumes training "
        "from it exactly; with Keras 3, use `.keras`. A MultiHeadAttention is written as "
        "tf_keras writes it too, with the input shapes tf_keras rebuilds it from "
        "(`query_shape`, `key_shape`, `value_shape`) and its `softmax_robust_masking`: Keras 3 "
        "rejects those arguments, so it reads no legacy `.h5` with a MultiHeadAttention, "
        "tf_keras' own `k2_attention.h5` included (compat/data/files), and needs `.keras` or "
        "`.weights.h5` for one. tf_keras, for its part, reads no Keras 3 `.weights.h5` of a "
        "MultiHeadAttention: its projections are the private `_query_dense`... where Keras 3 "
        "stores `query_dense`...", "",
        "Loading never runs anything a file contains (Lambda layers, marshalled bytecode and "
        "unregistered module or function names are refused whatever `safe_mode` says), reads "
        "archive members by exact name in memory, and checks every shape against the stored "
        "weights before allocating; damaged files raise `ValueError` or `OSError` naming the "
        "file (tests/test_saving.py, tests/test_saving_fuzz.py). One limit is below Python: "
        "HDF5 is parsed by libhdf5, and some byte-level corruptions of an HDF5 file's internal "
        "metadata make libhdf5 itself loop or crash (as they do under Keras and h5py). Accidental "
        "corruption of a `.keras` archive is caught first by the zip CRC of each member; a "
        "deliberately crafted HDF5 payload is not, so treat model files from untrusted sources "
        "like any other untrusted input to a C parser.", "",
    ]
    return "\n".join(lines)


FUNCTIONAL_SECTION = "## Functional files: minikeras <-> Keras"


def functional_table(k3, k2):
    lines = [
        FUNCTIONAL_SECTION, "",
        "Made by `compat/check_our_files.py functional`: minikeras saves each functional model "
        "of tests/functional_cases.py (single and multi input/output, every merge layer, shared "
        "layers, nested models both ways, op nodes, dict inputs and outputs, a feature "
        "extractor, masks from Embedding and Masking) in every format; Keras 3.15 and tf_keras "
        "2.21 load them and compare predictions (tolerance 1e-5). The legacy `.h5` is written "
        "in tf_keras' form: Keras 2 `inbound_nodes` lists, a nested model's own graph as its "
        "node 0, ops as the TFOpLambda/SlicingOpLambda layers tf_keras records (the mask ops "
        "left out: tf_keras carries masks beside the graph). The `converted_k2_*` files are "
        "tf_keras' own models with TFOpLambda/SlicingOpLambda layers (compat/data/functional: "
        "`op_nodes`, and `tf_functions` with every TensorFlow function of minikeras' table) "
        "loaded by minikeras and saved as `.keras`, where those layers become the Keras 3 ops "
        "they compute; tf_keras' predictions are the reference.", "",
        "| file | format | Keras 3.15 | tf_keras 2.21 |", "|---|---|---|---|",
    ]
    for name in sorted(k3):
        suffix = next(s for s in sorted(FORMATS, key=len, reverse=True) if name.endswith(s))
        lines.append(f"| `{name}` | {FORMATS[suffix]} | {cell(k3[name])} | {cell(k2[name])} |")
    lines += [
        "",
        "The gaps are Keras' own, met with tf_keras' own files too: tf_keras reads no Keras 3 "
        "`.keras` file; Keras 3 has no TFOpLambda, so it reads no `.h5` of a model with ops "
        "(tf_keras' or minikeras' `op_nodes`), and its legacy loader fails on every nested "
        "model in a Keras 2-form `.h5` (`k2_func_in_func.h5`, `k2_seq_in_func.h5`, "
        "`k2_func_in_seq.h5` of compat/data/functional fail the same ways). Keras 3 loads "
        "all of them from `.keras`, `.weights.h5` and Keras 2 `.h5` weights.", "",
    ]
    return "\n".join(lines)


def update_docs(text, section=SECTION):
    path = os.path.join(ROOT, "docs", "compat.md")
    old = open(path).read() if os.path.exists(path) else "# Compatibility with Keras\n"
    start = old.find(section)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + len(section))
        new = old[:start] + text + ("" if end < 0 else "\n" + old[end + 1:])
    with open(path, "w") as f:
        f.write(new.rstrip("\n") + "\n")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "write":
        return write(sys.argv[2], only_functional=sys.argv[3:] == ["functional"])
    if len(sys.argv) > 1 and sys.argv[1] == "read":
        return read(sys.argv[2], sys.argv[3])
    with tempfile.TemporaryDirectory() as directory:
        env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
        env.pop("TF_USE_LEGACY_KERAS", None)
        python = os.environ.get("MINIKERAS_PYTHON", "python")
        subprocess.run([python, __file__, "write", directory, *sys.argv[1:2]], env=env,
                       check=True)
        outputs = {}
        for which in ("k3", "k2"):
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
            env.pop("TF_USE_LEGACY_KERAS", None)
            if which == "k2":
                env["TF_USE_LEGACY_KERAS"] = "1"
            done = subprocess.run([sys.executable, __file__, "read", directory, which], env=env,
                                  check=True, capture_output=True, text=True)
            outputs[which] = json.loads(done.stdout.strip().splitlines()[-1])
    if sys.argv[1:2] == ["functional"]:
        text = functional_table(outputs["k3"], outputs["k2"])
        update_docs(text, FUNCTIONAL_SECTION)
    else:
        text = table(outputs["k3"], outputs["k2"])
        update_docs(text)
    print(text)


if __name__ == "__main__":
    main()
