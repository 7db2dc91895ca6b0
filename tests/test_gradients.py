"""The whole training gradient against central finite differences, in float64.

For each model, the tape's gradient of `compute_loss` (what one training step computes before
the optimizer: the forward pass, the loss, possibly taken at the logits of a softmax/sigmoid
output, the backward pass through every layer and the regularization terms) gives a gradient for
every trainable weight; each must match the central differences of the total loss, computed
independently: the compiled loss of the model's output plus `model.losses`, with no tape. Everything runs with `floatx` float64,
so the layers, the loss and the regularization terms all compute in float64.
"""

import numpy as np
import pytest
import training_cases as tc
from conftest import finite_difference, training_gradients

import minikeras
from minikeras import backend, layers, losses, ops, regularizers
from minikeras.saving import registry

ROWS = 8
RNG = np.random.default_rng(7)
X = RNG.normal(size=(ROWS, 6))
LABELS = RNG.integers(0, 3, ROWS)
TARGETS = {
    "regression": RNG.normal(size=(ROWS, 3)),
    "positive": RNG.uniform(0.5, 3.0, (ROWS, 3)),
    "counts": RNG.poisson(1.5, (ROWS, 3)).astype("float64"),
    "distribution": (lambda d: d / d.sum(-1, keepdims=True))(RNG.uniform(0.05, 1, (ROWS, 3))),
    "onehot": np.eye(3)[LABELS],
    "labels": LABELS,
    "binary": RNG.integers(0, 2, (ROWS, 1)).astype("float64"),
    "multilabel": RNG.integers(0, 2, (ROWS, 3)).astype("float64"),
}
SAMPLE_WEIGHT = RNG.uniform(0.2, 2.0, ROWS)


@pytest.fixture(autouse=True)
def float64():
    backend.set_floatx("float64")
    yield
    backend.set_floatx("float32")


def dense(units, activation=None, **kwargs):
    return layers.Dense(units, activation=activation, **kwargs)


def total_loss(model, x, y, sample_weight):
    """The training objective, from the forward pass alone."""
    y_pred = model(x, training=True)
    value = model._loss_fn(y, np.asarray(y_pred), sample_weight=sample_weight)
    return float(value) + sum(float(term) for term in model.losses)


def check_gradients(stack, loss="mse", y="regression", sample_weight=SAMPLE_WEIGHT, x=X):
    """Assert that one training step's gradients are those of the total loss."""
    model = minikeras.Sequential([minikeras.Input(x.shape[1:]), *stack])
    model.compile(optimizer="sgd", loss=loss)
    y = TARGETS[y]
    value, grads = training_gradients(model, x, y, sample_weight)
    np.testing.assert_allclose(value, total_loss(model, x, y, sample_weight), rtol=1e-12)
    assert model.trainable_weights
    for weight, grad in zip(model.trainable_weights, grads):
        assert weight.value.dtype == np.float64 and grad.dtype == np.float64
        analytic = np.array(grad)

        def objective(values, weight=weight):
            saved = weight.value.copy()
            weight.value[...] = values
            try:
                return total_loss(model, x, y, sample_weight)
            finally:
                weight.value[...] = saved

        numeric = finite_difference(objective, weight.value)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8, err_msg=weight.path)


# ----------------------------------------------------------------------------------------------
# Every activation, as the output of the model (mse)

ACTIVATION_UNITS = {"glu": 6}  # GLU halves its input
NEEDS_ARGUMENTS = {"threshold"}


@pytest.mark.parametrize(
    "name", sorted(set(registry.builtin_names("activation")) - NEEDS_ARGUMENTS)
)
def test_every_activation(name):
    check_gradients([dense(4, "tanh"), dense(ACTIVATION_UNITS.get(name, 3), name)])


# A user function calling a built-in activation with arguments goes to the autodiff tape, where
# the activation records itself with its own gradient rule, at those arguments.
@pytest.mark.parametrize("name, kwargs", [
    ("leaky_relu", {"negative_slope": 0.1}),
    ("relu", {"max_value": 1.0, "negative_slope": 0.05}),
    ("elu", {"alpha": 0.5}),
    ("threshold", {"threshold": 0.1, "default_value": -0.5}),
])
def test_activation_with_arguments_in_a_user_function(name, kwargs):
    function = getattr(minikeras.activations, name)
    check_gradients([dense(4, "tanh"), dense(3, lambda x: function(x, **kwargs))])


# ----------------------------------------------------------------------------------------------
# Every loss (with sample weights), after the output activation it is used with

LINEAR = [dense(4, "tanh"), dense(3)]


def head(activation, units=3):
    return lambda: [dense(4, "tanh"), dense(units, activation)]


def user_loss_with_a_builtin_inside(y_true, y_pred):
    return 2.0 * losses.mean_squared_error(y_true, y_pred) + ops.mean(ops.abs(y_pred), axis=-1)


def loss_cases():
    """id: (loss, layers, target); a softmax/sigmoid Dense output with a crossentropy is fused.
    Made when needed: a loss object computes in the `floatx` of its creation."""
    return {
        "mse": ("mse", head(None), "regression"),
        "mae": ("mae", head(None), "regression"),
        "mape": ("mape", head(None), "positive"),
        "msle": ("msle", head("softplus"), "positive"),
        "huber": (losses.Huber(delta=0.3), head(None), "regression"),
        "log_cosh": ("log_cosh", head(None), "regression"),
        "cosine_similarity": ("cosine_similarity", head(None), "regression"),
        "poisson": ("poisson", head("softplus"), "counts"),
        "kl_divergence": ("kl_divergence", head("softmax"), "distribution"),
        "hinge": ("hinge", head(None), "multilabel"),
        "squared_hinge": ("squared_hinge", head(None), "multilabel"),
        "categorical_hinge": ("categorical_hinge", head(None), "onehot"),
        "binary_crossentropy_fused": ("binary_crossentropy", head("sigmoid", 1), "binary"),
        "binary_crossentropy_multilabel_fused": ("bce", head("sigmoid"), "multilabel"),
        "binary_crossentropy_smoothing_fused": (
            losses.BinaryCrossentropy(label_smoothing=0.2), head("sigmoid"), "multilabel"),
        "binary_crossentropy_clipped": (
            "binary_crossentropy",
            lambda: [dense(4, "tanh"), dense(3), layers.Activation("sigmoid")], "multilabel"),
        "binary_crossentropy_logits": (
            losses.BinaryCrossentropy(from_logits=True), head(None), "multilabel"),
        "categorical_crossentropy_fused": ("categorical_crossentropy", head("softmax"), "onehot"),
        "categorical_crossentropy_smoothing_fused": (
            losses.CategoricalCrossentropy(label_smoothing=0.1), head("softmax"), "onehot"),
        "categorical_crossentropy_soft_targets_fused": (
            "categorical_crossentropy", head("softmax"), "distribution"),
        "categorical_crossentropy_clipped": (
            "categorical_crossentropy", lambda: [dense(4, "tanh"), dense(3), layers.Softmax()],
            "onehot"),
        "categorical_crossentropy_logits": (
            losses.CategoricalCrossentropy(from_logits=True), head(None), "onehot"),
        "sparse_categorical_crossentropy_fused": (
            "sparse_categorical_crossentropy", head("softmax"), "labels"),
        "sparse_categorical_crossentropy_ignore_class_fused": (
            losses.SparseCategoricalCrossentropy(ignore_class=1), head("softmax"), "labels"),
        "sparse_categorical_crossentropy_clipped": (
            "sparse_categorical_crossentropy",
            lambda: [dense(4, "tanh"), dense(3), layers.Softmax()], "labels"),
        "sparse_categorical_crossentropy_logits": (
            losses.SparseCategoricalCrossentropy(from_logits=True), head(None), "labels"),
        "binary_focal_crossentropy": ("binary_focal_crossentropy", head("sigmoid", 1), "binary"),
        "binary_focal_crossentropy_balanced_logits": (
            losses.BinaryFocalCrossentropy(apply_class_balancing=True, gamma=1.5, from_logits=True),
            head(None), "multilabel"),
        "categorical_focal_crossentropy": ("categorical_focal_crossentropy", head("softmax"),
                                           "onehot"),
        "categorical_focal_crossentropy_logits": (
            losses.CategoricalFocalCrossentropy(from_logits=True, gamma=1.0), head(None), "onehot"),
        "reduction_sum": (losses.MeanSquaredError(reduction="sum"), head(None), "regression"),
        "reduction_mean_with_sample_weight": (
            losses.CategoricalCrossentropy(reduction="mean_with_sample_weight"), head("softmax"),
            "onehot"),
        "user_function": (tc.user_objects(minikeras).squared_plus_abs, head(None), "regression"),
        "user_loss_class": (tc.user_objects(minikeras).SoftL1(), head(None), "regression"),
        "user_function_calling_a_builtin": (user_loss_with_a_builtin_inside, head("tanh"),
                                            "regression"),
    }


@pytest.mark.parametrize("name", list(loss_cases()))
def test_every_loss(name):
    loss, stack, target = loss_cases()[name]
    check_gradients(stack(), loss=loss, y=target)


def test_unweighted_loss():
    check_gradients([dense(4, "tanh"), dense(3, "softmax")], "categorical_crossentropy",
                    "onehot", sample_weight=None)


# ----------------------------------------------------------------------------------------------
# Every regularizer, on a kernel, a bias, a hidden layer's output and the model's output

REGULARIZERS = {
    "l1": lambda: regularizers.L1(0.01),
    "l2": lambda: regularizers.L2(0.02),
    "l1_l2": lambda: regularizers.L1L2(l1=0.01, l2=0.02),
    "l1_l2_by_name": lambda: "l1_l2",
    "orthogonal_rows": lambda: regularizers.OrthogonalRegularizer(0.1, mode="rows"),
    "orthogonal_columns": lambda: regularizers.OrthogonalRegularizer(0.1, mode="columns"),
    "user_subclass": lambda: tc.user_objects(minikeras).Smoothness(0.05),
}
PLACES = ["kernel", "bias", "hidden_activity", "output_activity"]
HEADS = {  # the output activity term is added at the logits when the loss is fused
    "softmax_crossentropy": ("softmax", "categorical_crossentropy", "onehot"),
    "linear_mse": (None, "mse", "regression"),
}


# OrthogonalRegularizer is for 2-D weights: no bias case for it.
CASES = [
    (name, place) for name in REGULARIZERS for place in PLACES
    if not (name.startswith("orthogonal") and place == "bias")
]


@pytest.mark.parametrize("model_head", list(HEADS))
@pytest.mark.parametrize("name, place", CASES)
def test_every_regularizer(name, place, model_head):
    regularizer = REGULARIZERS[name]()
    hidden, output = {}, {}
    if place in ("kernel", "bias"):
        hidden = {f"{place}_regularizer": regularizer}
    else:
        (hidden if place == "hidden_activity" else output)["activity_regularizer"] = regularizer
    activation, loss, target = HEADS[model_head]
    check_gradients([dense(4, "tanh", **hidden), dense(3, activation, **output)], loss, target)


# ----------------------------------------------------------------------------------------------
# Layers around Dense, nesting and user layers

STRUCTURES = {
    "reshape_nd_dense_flatten": lambda: [
        layers.Reshape((2, 3)), dense(4, "tanh"), layers.Flatten(), dense(3, "softmax")],
    "activation_layers": lambda: [
        dense(4), layers.Activation("elu"), dense(3), layers.Activation("softmax")],
    "softmax_layer_over_axis_1": lambda: [
        dense(6), layers.Reshape((3, 2)), layers.Softmax(axis=1), layers.Flatten(), dense(3)],
    "nested_sequential": lambda: [
        minikeras.Sequential([dense(4, "tanh"),
                              dense(5, "relu", activity_regularizer=regularizers.L2(0.01))]),
        dense(3, "softmax")],
    "nested_sequential_last": lambda: [
        dense(4, "tanh"), minikeras.Sequential([dense(3), layers.Softmax()])],
    "twice_nested": lambda: [
        minikeras.Sequential([minikeras.Sequential([dense(4, "tanh")]), dense(4, "sigmoid")]),
        dense(3, "softmax")],
    "frozen_first_layer": lambda: [dense(4, "tanh", trainable=False), dense(3, "softmax")],
    "no_bias": lambda: [dense(4, "tanh", use_bias=False), dense(3, "softmax", use_bias=False)],
    "user_layer_first": lambda: [tc.user_objects(minikeras).GatedDense(4), dense(3, "softmax")],
    "user_layer_between": lambda: [
        dense(4, "tanh"), tc.user_objects(minikeras).GatedDense(5), dense(3, "softmax")],
    "user_layer_last": lambda: [dense(4, "tanh"), tc.user_objects(minikeras).GatedDense(3)],
}


@pytest.mark.parametrize("name", list(STRUCTURES))
def test_layer_structures(name):
    check_gradients(STRUCTURES[name](), "categorical_crossentropy", "onehot")


def test_rank_3_inputs():
    x = X.reshape(ROWS, 2, 3)
    check_gradients([dense(4, "tanh"), layers.Flatten(), dense(3)], x=x)


def test_frozen_layer_gets_no_gradient():
    frozen = dense(4, "tanh", trainable=False)
    model = minikeras.Sequential([minikeras.Input((6,)), frozen, dense(3, "softmax")])
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    _, grads = training_gradients(model, X, TARGETS["onehot"])
    assert len(grads) == 2 and all(w not in frozen.weights for w in model.trainable_weights)


# ----------------------------------------------------------------------------------------------
# The sweep's order: the one every gradient sums its contributions in


def _previous_sweep_order(roots, wanted, sources, tape=None):
    """The sweep order before its loop was flattened (kept here as the reference: the order
    decides in which order a shared node's contributions are summed, so it must not move)."""
    order, relevant, visited = [], set(), set()
    stack = [(root, False) for root in roots if tape is None or tape in root.tapes]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            leads = node in sources or (node.variable is not None and id(node.variable) in wanted)
            leads = leads or any(id(v) in wanted for v in node.variables)
            leads = leads or any(p is not None and p in relevant for p in node.parents)
            if leads:
                relevant.add(node)
                order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            for parent in node.parents:
                if parent is not None and parent not in visited and (
                        tape is None or tape in parent.tapes):
                    stack.append((parent, False))
    return order, relevant


@pytest.mark.parametrize("seed", range(40))
def test_the_sweep_order_is_the_previous_one_on_random_graphs(seed):
    from minikeras.core import tape as tape_module

    rng = np.random.default_rng(seed)
    variables = [minikeras.Variable(np.zeros(1, "float32")) for _ in range(4)]
    recording, other = tape_module.GradientTape(), tape_module.GradientTape()
    nodes = []
    for index in range(int(rng.integers(1, 30))):
        if index < 3 or rng.random() < 0.15:  # a leaf: a variable's, or a constant
            node = tape_module.Node(np.zeros(1), (), None, "leaf")
            if rng.random() < 0.7:
                node.variable = variables[int(rng.integers(0, 4))]
        else:
            count = int(rng.integers(1, 4))
            parents = tuple(None if rng.random() < 0.2 else nodes[int(rng.integers(0, index))]
                            for _ in range(count))
            adds = tuple(v for v in variables if rng.random() < 0.1)  # a layer's weights
            node = tape_module.Node(np.zeros(1), parents, lambda g, grads: (), "op", adds)
        node.tapes = (recording,) if rng.random() < 0.9 else (other,)
        nodes.append(node)
    roots = [nodes[-1]] + [nodes[int(i)] for i in rng.integers(0, len(nodes), 2)]
    wanted = {id(v) for v in variables if rng.random() < 0.6}
    sources = {n for n in nodes if rng.random() < 0.1}
    for tape in (recording, None):
        order, relevant = tape_module._sweep_order(roots, wanted, sources, tape)
        expected_order, expected_relevant = _previous_sweep_order(roots, wanted, sources, tape)
        assert [id(n) for n in order] == [id(n) for n in expected_order]
        assert relevant == expected_relevant


@pytest.mark.parametrize("samples", [1, 32, 254, 255, 300, 65535, 70000])
def test_masked_average_pooling_gathers_by_the_same_row_numbers_in_narrow_integers(samples):
    """GlobalAveragePooling1D's masked gradient gathers rows by `mask * (1..samples)`, made in
    bytes or 16-bit integers where the samples fit: the same row numbers as the int64
    product at every width's edge, and the same gradient."""
    from minikeras.layers.pooling import global_average_pooling1d as pooling

    rng = np.random.default_rng(samples)
    steps = 3 if samples > 1000 else 7
    kept = rng.random((samples, steps)) < 0.6
    expected = np.multiply(kept, np.arange(1, samples + 1)[:, None])
    got = pooling._row_numbers(kept)
    assert got.dtype.kind == "u" or samples >= 65535
    np.testing.assert_array_equal(got, expected)
    layer = layers.GlobalAveragePooling1D()
    inputs = rng.standard_normal((samples, steps, 2)).astype(np.float32)
    _, ctx = layer.forward(inputs, mask=kept)
    grad = rng.standard_normal((samples, 2)).astype(np.float32)

    class Wanted:
        needs_input = True

    with np.errstate(all="ignore"):  # (a sample with no step kept: inf and NaN shares)
        share = grad / np.count_nonzero(kept, axis=1).astype(np.float32)[:, None]
        reference = np.where(kept[..., None], share[:, None, :], np.float32(0))
        assert layer.backward(ctx, grad, Wanted).tobytes() == reference.tobytes()


@pytest.mark.parametrize("dtype, steps", [("float16", 2048), ("float16", 2049), ("float32", 200),
                                          ("float64", 3)])
def test_masked_average_pooling_counts_steps_as_count_nonzero_does(monkeypatch, dtype, steps):
    """The masked GlobalAveragePooling1D counts each sample's kept steps by summing the mask's
    flags in the inputs' dtype where that dtype holds every count exactly: the counts, outputs
    and gradient are byte for byte those of `count_nonzero` cast to it (a sample with no
    step kept included), on both sides of float16's limit."""
    from minikeras.layers.pooling import global_average_pooling1d as pooling

    rng = np.random.default_rng(steps)
    kept = rng.random((5, steps)) < 0.7
    kept[0], kept[1] = True, False
    flags = kept.astype(dtype)
    expected = np.count_nonzero(kept, axis=1)[:, None].astype(dtype)
    assert pooling._step_counts(kept, flags).tobytes() == expected.tobytes()
    with np.errstate(all="ignore"):  # the weights: the mask's flags divide as the mask did
        assert (flags / expected).tobytes() == (kept / expected).tobytes()
    inputs = rng.standard_normal((5, steps, 3)).astype(dtype)
    grad = rng.standard_normal((5, 3)).astype(dtype)
    layer = layers.GlobalAveragePooling1D(dtype=dtype)

    class Wanted:
        needs_input = True

    def forward_and_backward():
        outputs, ctx = layer.forward(inputs, mask=kept)
        return outputs.tobytes(), layer.backward(ctx, grad, Wanted).tobytes()

    counted = forward_and_backward()
    monkeypatch.setattr(pooling, "_step_counts", lambda kept, flags: np.count_nonzero(
        kept, axis=1)[:, None].astype(flags.dtype))
    assert counted == forward_and_backward()
