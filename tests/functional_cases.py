"""Functional models built by the same code under real Keras (compat/make_functional_files.py,
compat/make_functional_training.py) and under minikeras (the tests): `k` is the `keras`
module of either, `legacy` says it is tf_keras (Keras 2), which records Python operators on
symbolic tensors as TFOpLambda/SlicingOpLambda layers and has no `keras.ops`.
"""

import numpy as np


def mlp(k, legacy):
    inputs = k.Input((4,), name="features")
    x = k.layers.Dense(6, activation="relu", name="hidden")(inputs)
    return k.Model(inputs, k.layers.Dense(3, activation="softmax", name="probs")(x), name="mlp")


def two_in_two_out(k, legacy):
    a, b = k.Input((4,), name="a"), k.Input((3,), name="b")
    x = k.layers.concatenate([k.layers.Dense(5, activation="tanh", name="da")(a),
                              k.layers.Dense(5, activation="tanh", name="db")(b)], name="joined")
    reg = k.layers.Dense(1, name="reg")(x)
    cls = k.layers.Dense(3, activation="softmax", name="cls")(x)
    return k.Model([a, b], [reg, cls], name="two_in_two_out")


def merges(k, legacy):
    a, b = k.Input((4,), name="a"), k.Input((4,), name="b")
    L = k.layers
    pa, pb = L.Dense(4, name="pa")(a), L.Dense(4, name="pb")(b)
    merged = [
        L.Add()([pa, pb]), L.Subtract()([pa, pb]), L.Multiply()([pa, pb]),
        L.Average()([pa, pb, a]), L.Maximum()([pa, pb]), L.Minimum()([pa, pb, b]),
        L.Dot(axes=1)([pa, pb]), L.Dot(axes=-1, normalize=True)([pa, b]),
        L.add([a, b]), L.multiply([pa, b]),
    ]
    x = L.Concatenate(axis=-1)(merged)
    return k.Model([a, b], L.Dense(2, name="head")(x), name="merges")


def shared(k, legacy):
    a, b = k.Input((3,), name="left"), k.Input((3,), name="right")
    encoder = k.layers.Dense(4, activation="relu", name="encoder")
    ea, eb = encoder(a), encoder(b)
    again = encoder(k.layers.Dense(3, name="back")(ea))  # shared at another depth
    x = k.layers.concatenate([ea, eb, again])
    return k.Model([a, b], k.layers.Dense(1, name="score")(x), name="shared")


def sequential_in_functional(k, legacy):
    inner = k.Sequential([k.layers.Dense(5, activation="relu"), k.layers.Dense(3)],
                         name="inner_seq")
    inputs = k.Input((4,), name="x")
    x = inner(inputs)
    return k.Model(inputs, k.layers.Dense(2, name="out")(x), name="seq_in_func")


def functional_in_sequential(k, legacy):
    i = k.Input((4,), name="inner_in")
    inner = k.Model(i, k.layers.Dense(3, activation="tanh", name="inner_dense")(i), name="inner_fn")
    return k.Sequential([k.Input((4,)), inner, k.layers.Dense(2, name="after")],
                        name="func_in_seq")


def functional_in_functional(k, legacy):
    i = k.Input((4,), name="inner_in")
    inner = k.Model(i, k.layers.Dense(3, activation="tanh", name="inner_dense")(i),
                    name="inner_fn")
    outer_in = k.Input((4,), name="outer_in")
    x = inner(outer_in)
    y = inner(k.layers.Dense(4, name="pre")(outer_in))  # the nested model shared too
    return k.Model(outer_in, [k.layers.Dense(2, name="o1")(x), y], name="func_in_func")


def op_nodes(k, legacy):
    inputs = k.Input((4,), name="x")
    h = k.layers.Dense(4, name="h")(inputs)
    x = (h + 1.0) * 2.0 - inputs
    x = x[:, 0:3]
    if not legacy:
        x = k.ops.tanh(x)
        x = k.ops.concatenate([x, k.ops.mean(h, axis=1, keepdims=True)], axis=-1)
    return k.Model(inputs, k.layers.Dense(2, name="out")(x), name="op_nodes")


def dict_io(k, legacy):
    inputs = {"num": k.Input((3,), name="num"), "extra": k.Input((2,), name="extra")}
    x = k.layers.concatenate([inputs["extra"], inputs["num"]])
    x = k.layers.Dense(4, activation="relu", name="trunk")(x)
    outputs = {"score": k.layers.Dense(1, name="score")(x),
               "label": k.layers.Dense(2, activation="sigmoid", name="label")(x)}
    return k.Model(inputs, outputs, name="dict_io")


def features(k, legacy):
    base = mlp(k, legacy)
    return k.Model(base.inputs, [layer.output for layer in base.layers[1:]], name="features")


def masked(k, legacy):
    """Masks through the graph: Embedding(mask_zero) feeding two recurrent branches (one
    through a Dense, which passes the mask on) and a Masking'd sequence input."""
    tokens = k.Input((6,), dtype="int32", name="tokens")
    frames = k.Input((5, 3), name="frames")
    L = k.layers
    embedded = L.Embedding(10, 4, mask_zero=True, name="embed")(tokens)
    last = L.LSTM(3, name="lstm")(embedded)
    projected = L.Dense(4, activation="tanh", name="proj")(embedded)
    pooled = L.GlobalAveragePooling1D(name="pool")(L.GRU(3, return_sequences=True, name="gru")(projected))
    summed = L.SimpleRNN(2, name="rnn")(L.Masking(0.0, name="masking")(frames))
    x = L.concatenate([last, pooled, summed], name="joined")
    return k.Model([tokens, frames], L.Dense(2, name="out")(x), name="masked")


MODELS = {
    "mlp": mlp, "two_in_two_out": two_in_two_out, "merges": merges, "shared": shared,
    "seq_in_func": sequential_in_functional, "func_in_seq": functional_in_sequential,
    "func_in_func": functional_in_functional, "op_nodes": op_nodes, "dict_io": dict_io,
    "features": features, "masked": masked,
}


def build(k, name, legacy=False):
    model = MODELS[name](k, legacy)
    rng = np.random.default_rng(len(name))
    model.set_weights([rng.uniform(-0.5, 0.5, w.shape).astype("float32")
                       for w in model.get_weights()])
    return model


def inputs_for(model, n=5, seed=0):
    """Inputs for `model` in its own structure (an array, a list or a dict)."""
    rng = np.random.default_rng(seed)
    try:
        struct = model.input
    except AttributeError:  # Keras 3's Sequential has only `inputs`
        struct = None
    if struct is None:
        struct = model.inputs[0]

    def draw(tensor):
        shape = (n, *tensor.shape[1:])
        if "int" in str(tensor.dtype):  # tokens, 0 (padding) at the end of odd rows
            tokens = rng.integers(1, 10, shape).astype("int32")
            tokens[1::2, -2:] = 0
            return tokens
        values = rng.uniform(-1, 1, shape).astype("float32")
        if len(shape) == 3:  # sequences: the last steps of odd rows are padding (zeros)
            values[1::2, -2:] = 0
        return values

    if isinstance(struct, dict):
        return {key: draw(tensor) for key, tensor in struct.items()}
    if isinstance(struct, (list, tuple)):
        return [draw(tensor) for tensor in struct]
    return draw(struct)


def structured(model, xs):
    """Flat inputs (a dict's in key order) in `model`'s input structure."""
    struct = getattr(model, "input", None)
    if isinstance(struct, dict):
        return dict(zip(sorted(struct), xs))
    return xs if isinstance(struct, (list, tuple)) and len(struct) > 1 else xs[0]


def flat_predictions(predictions):
    """A model's predictions as a flat list (a dict in sorted key order)."""
    if isinstance(predictions, dict):
        return [np.asarray(predictions[key]) for key in sorted(predictions)]
    if isinstance(predictions, (list, tuple)):
        return [np.asarray(p) for p in predictions]
    return [np.asarray(predictions)]


# ----------------------------------------------------------------------------------------------
# Multi-output training: compile arguments (with optimizers made from `k`) and fit arguments


def training_data(n=40, seed=1):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n, 4)).astype("float32")
    b = rng.normal(size=(n, 3)).astype("float32")
    reg = (a[:, :1] - b[:, 1:2]).astype("float32")
    cls = (np.abs(a[:, 0] * 3).astype(int) % 3).astype("int32")
    return [a, b], {"reg": reg, "cls": cls}


TRAINING = {
    "dict_losses": dict(
        compile=lambda k: dict(
            optimizer=k.optimizers.Adam(0.01),
            loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"},
            loss_weights={"reg": 0.5, "cls": 2.0},
            metrics={"reg": ["mae"], "cls": ["accuracy"]}),
        fit=dict(epochs=3, batch_size=16, validation_split=0.25, shuffle=False),
        y="dict"),
    "list_losses": dict(
        compile=lambda k: dict(
            optimizer=k.optimizers.SGD(0.05, momentum=0.9),
            loss=["mse", "sparse_categorical_crossentropy"],
            metrics=[["mae", "mse"], ["accuracy"]]),
        fit=dict(epochs=3, batch_size=10, shuffle=False),
        y="list"),
    "one_loss": dict(
        compile=lambda k: dict(optimizer=k.optimizers.RMSprop(0.01), loss="mse"),
        fit=dict(epochs=2, batch_size=16, shuffle=False),
        y="list_regression"),
    # Masks from Embedding(mask_zero) and Masking through the graph, into the gradients.
    "masked": dict(
        model="masked",
        # SGD: Keras 3 on TensorFlow updates an Embedding with Adam from sparse gradients, which
        # moves rows with zero gradient differently (tests/test_saving.py's known mismatch).
        compile=lambda k: dict(optimizer=k.optimizers.SGD(0.1), loss="mse", metrics=["mae"]),
        fit=dict(epochs=3, batch_size=4, shuffle=False),
        y="masked"),
    # Keras 3 refuses these two when the first batch arrives: the error is the reference.
    "flat_metrics": dict(
        compile=lambda k: dict(optimizer="sgd", loss="mse", metrics=["mae"]),
        fit=dict(epochs=1, batch_size=16, shuffle=False),
        y="list_regression"),
    "loss_weights_mismatch": dict(
        compile=lambda k: dict(optimizer="sgd", loss="mse", loss_weights=[1.0, 0.25]),
        fit=dict(epochs=1, batch_size=16, shuffle=False),
        y="list_regression"),
}


def training_setup(k, name):
    """`(model, x, targets)` of the TRAINING case `name`, its model at its fixed start."""
    case = TRAINING[name]
    model = build(k, case.get("model", "two_in_two_out"))
    if case["y"] == "masked":
        x = inputs_for(model, n=12, seed=2)
        return model, x, np.random.default_rng(3).normal(size=(12, 2)).astype("float32")
    x, y = training_data()
    return model, x, training_targets(case["y"], y)


def training_targets(kind, y):
    if kind == "dict":
        return y
    if kind == "list":
        return [y["reg"], y["cls"]]
    return [y["reg"], np.eye(3, dtype="float32")[y["cls"]]]
