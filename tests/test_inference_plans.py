"""Inference plans (`Model._run_plan`, `Sequential._infer`, `Functional._plan`): the plan made
at an input shape's first inference call gives the bytes the fully checked path gives, through
the fast entry of `model(x)` and `predict` as inside the general path, and is dropped or
bypassed whenever what it decided no longer holds. Also relu's comparison with a 0-d zero."""

import threading

import numpy as np
import pytest

from minikeras import activations, layers, ops, regularizers
from minikeras.core import tape as tape_module
from minikeras.core.tensor import Tensor
from minikeras.layers import Dense, Input
from minikeras.models import Sequential
from minikeras import models as models_module
from minikeras.models import model as model_module
from minikeras.models.functional import Functional


def seed_model(last=1):
    return Sequential([Input((10,)), Dense(64, activation="relu"),
                       Dense(64, activation="relu"), Dense(last)])


def rows(n, width=10, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).standard_normal((n, width)).astype(dtype)


def checked(model, x, training=False):
    """The stack with every check at every layer: what a plan must reproduce."""
    return model._infer_checked(x, training, False)


def by_hand(model, x):
    """The seed model's forward in numpy, with relu as it was before the plans: against a
    zero row."""
    (k1, b1, k2, b2, k3, b3) = [w.value for w in model.weights]
    h = np.maximum(np.matmul(x, k1) + b1, np.zeros(64, np.float32))
    h = np.maximum(np.matmul(h, k2) + b2, np.zeros(64, np.float32))
    return np.matmul(h, k3) + b3


def plan_of(model, x):
    return model._plans.get(x.shape)


def assert_same_bytes(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("n", [1, 3, 32])
def test_a_plan_gives_the_checked_loops_bytes_and_the_hand_written_forward(n):
    model, x = seed_model(), rows(n)
    first = model(x)  # makes the plan
    assert callable(plan_of(model, x))
    assert_same_bytes(model._run_plan(x), checked(model, x))  # the fast entry answers
    again, predicted = model(x), model.predict(x, verbose=0)  # run it
    for result in (first, again, predicted):
        assert_same_bytes(result, checked(model, x))
        assert_same_bytes(result, by_hand(model, x))


def test_a_plan_is_per_input_signature():
    model = seed_model()
    x1, x5, x64 = rows(1), rows(5, seed=1), rows(1).astype(np.float64)
    for x in (x1, x5, x64, x1, x5, x64):
        assert_same_bytes(model(x), checked(model, x.astype(np.float32)))
    assert plan_of(model, x1) is not plan_of(model, x5)
    # A float64 row is cast by __call__ before the stack, so the fast entry leaves it to the
    # general path, which runs the float32 plan of its shape.
    assert model._run_plan(x64) is None
    assert set(model._plans) == {(1, 10), (5, 10)}
    # The stack called on float64 directly (its first layer casts): no plan through a cast.
    assert_same_bytes(model._infer(x64, False, False), checked(model, x64))
    assert set(model._plans) == {(1, 10), (5, 10)}


def test_a_wrong_shape_fails_as_before_after_a_plan():
    model = seed_model()
    model(rows(2))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 10"):
        model._infer(rows(2, width=7), False, False)


def test_adding_popping_and_rebuilding_drop_the_plans():
    model, x = seed_model(), rows(2)
    model(x)
    model.add(Dense(3, activation="relu"))
    assert model._plans == {}
    out = model(x)
    assert out.shape == (2, 3)
    assert_same_bytes(out, checked(model, x))
    model.pop()
    assert model._plans == {}
    assert_same_bytes(model(x), by_hand(model, x))
    model(x)
    model.build((None, 10))
    assert model._plans == {}


def test_a_model_without_input_plans_after_its_first_call_builds_it():
    model = Sequential([Dense(4, activation="relu"), Dense(2)])
    x = rows(3)
    first = model(x)
    assert model.built
    assert_same_bytes(model(x), first)
    assert_same_bytes(model(x), checked(model, x))


def test_an_activation_set_after_the_plan_is_the_one_applied():
    model, x = seed_model(), rows(4)
    model(x)
    model.layers[1].activation = activations.tanh
    expected = np.tanh(np.matmul(np.maximum(np.matmul(x, model.weights[0].value)
                                            + model.weights[1].value, 0),
                                 model.weights[2].value) + model.weights[3].value)
    expected = np.matmul(expected, model.weights[4].value) + model.weights[5].value
    assert_same_bytes(model(x), expected)
    assert_same_bytes(model(x), checked(model, x))


def test_a_user_activation_goes_through_its_own_callable():
    calls = []

    def doubled(x):
        calls.append(x.shape)
        return 2 * x

    model = Sequential([Input((10,)), Dense(5, activation=doubled)])
    x = rows(2)
    model(x), model(x)
    assert calls == [(2, 5), (2, 5)]
    assert_same_bytes(model(x), 2 * (np.matmul(x, model.weights[0].value)
                                     + model.weights[1].value))


def test_an_activity_regularizer_set_after_the_plan_adds_its_loss():
    model, x = seed_model(), rows(4)
    model(x)
    assert model.losses == []
    model.layers[0].activity_regularizer = regularizers.L2(0.01)
    out = model(x)
    assert_same_bytes(out, by_hand(model, x))
    hidden = np.maximum(np.matmul(x, model.weights[0].value) + model.weights[1].value, 0)
    (loss,) = model.losses
    np.testing.assert_allclose(loss, 0.01 * np.sum(hidden ** 2) / 4, rtol=1e-6)
    model.layers[0].activity_regularizer = None
    model(x)
    assert model.losses == []


def test_a_layer_whose_output_shape_hangs_on_its_values_gets_no_plan():
    class Trim(layers.Layer):
        """A plain layer (its own forward) keeping the rows with a positive first entry."""

        def forward(self, inputs, training=False):
            return inputs[inputs[:, 0] > 0], None

    model = Sequential([Input((10,)), Trim(), Dense(2)])
    x = rows(6)
    out = model(x)
    assert 0 < len(out) < 6
    assert plan_of(model, x) is model_module.NO_PLAN
    assert model._run_plan(x) is None
    assert_same_bytes(out, checked(model, x))


def test_dropout_in_a_plan_reads_training():
    model = Sequential([Input((10,)), Dense(8, activation="relu"), layers.Dropout(0.5),
                        Dense(1)])
    x = rows(16)
    quiet = model(x)
    assert callable(plan_of(model, x))
    assert_same_bytes(model(x), quiet)
    assert not np.array_equal(model(x, training=True), quiet)


@pytest.mark.parametrize("functional", [False, True])
def test_two_threads_calling_one_model_on_different_shapes(functional):
    model = mixed_functional() if functional else seed_model(last=3)
    inputs = {n: rows(n, seed=n) for n in (1, 2, 7, 32)}
    expected = {n: np.asarray(general(model, x)).tobytes() for n, x in inputs.items()}
    if not functional:
        assert all(expected[n] == by_hand(model, x).tobytes() for n, x in inputs.items())
    failures, start = [], threading.Barrier(2)

    def work(sizes):
        start.wait()
        for _ in range(200):
            for n in sizes:
                for out in (model(inputs[n]), model.predict(inputs[n], verbose=0)):
                    if np.asarray(out).tobytes() != expected[n]:
                        failures.append(n)

    threads = [threading.Thread(target=work, args=(sizes,)) for sizes in ((1, 7), (32, 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert set(model._plans) == {(n, 10) for n in inputs}


def test_plans_are_bounded():
    model = seed_model()
    for n in range(1, 3 * model_module.PLANS_KEPT):
        model(rows(n))
    assert len(model._plans) <= model_module.PLANS_KEPT


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1, 64), (3, 5), (4096, 64), (2, 3, 4), (7,), ()])
def test_relu_gives_the_bytes_of_the_maximum_with_a_zero_row(dtype, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    if flat.size > 3:
        flat[:4] = [np.nan, -0.0, 0.0, -np.inf]
    before = np.maximum(x, np.zeros(x.shape[-1:], x.dtype))
    assert_same_bytes(activations.relu(x), before)
    assert_same_bytes(activations.relu.on_float_array(x), before)


def test_relu_of_a_non_native_float_array_compares_with_a_python_zero():
    x = rows(3).astype(">f4")
    assert_same_bytes(activations.relu(x), np.maximum(x, np.zeros(x.shape[-1:], x.dtype)))


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_relus_gradient_compares_with_a_zero_of_the_inputs_dtype_as_with_the_scalar(dtype):
    x = np.random.default_rng(1).standard_normal((5, 8)).astype(dtype)
    x.reshape(-1)[:3] = [np.nan, -0.0, 0.0]
    grad = np.random.default_rng(2).standard_normal((5, 8)).astype(dtype)
    y = activations.relu(x)
    assert_same_bytes(activations.relu.backward(x, y, grad), grad * (x > 0.0))
    leaky = activations.relu.backward(x, y, grad, negative_slope=0.1)
    assert_same_bytes(leaky, grad * (x > 0.0) + (0.1 * grad) * (x < 0.0))


def same_layers_as_a_graph(model):
    inputs = Input((10,))
    outputs = inputs
    for layer in model.layers:
        outputs = layer(outputs)
    return models_module.Model(inputs, outputs)


def test_a_functional_model_gives_the_sequential_bytes():
    """The graph runner's order and its one-tensor argument filling (`Node.fill_in`), against
    the same layers run by a Sequential model."""
    model = seed_model()
    functional = same_layers_as_a_graph(model)
    x = rows(5)
    assert [node.operation for node in functional._nodes_in_order][1:] == model.layers
    for result in (functional(x), functional.predict(x, verbose=0)):
        assert_same_bytes(result, model(x))
    node = model.layers[0]._inbound_nodes[-1]
    inputs = functional.inputs[0]
    assert node._only_tensor is inputs
    assert node.fill_in({id(inputs): x}) == ([x], {})


# ----------------------------------------------------------------------------------------------
# The fast entry (`Model.__call__`, `predict`'s one batch) and the plans of functional models


def general(model, x):
    """What the general path gives: Sequential's fully checked loop, or the graph run node by
    node with each layer's whole `__call__`."""
    return model._infer_checked(x, False, False)


def assert_planned_as_general(model, x):
    """The first call makes the plan; then `model(x)` and `predict` take the fast entry and give
    the general path's bytes, as `model(x)` (a Tensor) and `predict` (an array) type them
    (every weight made nonzero first, biases included, and some negative)."""
    rng = np.random.default_rng(7)
    model.set_weights([
        rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) if "variance" in v.path
        else rng.uniform(-1.5, 1.5, w.shape).astype(w.dtype)
        for w, v in zip(model.get_weights(), model.weights)])
    first = model(x)
    assert callable(plan_of(model, x))
    fast = model._run_plan(x)
    assert fast is not None
    called, predicted = model(x), model.predict(x, verbose=0)
    assert type(first) is type(called) is Tensor
    assert type(predicted) is np.ndarray
    for result in (first, fast, called, predicted, model(x, training=False)):
        assert_same_bytes(result, general(model, x))
    return called



def mixed_sequential():
    return Sequential([
        Input((10,)), Dense(16, activation="relu"), layers.Dropout(0.5), Dense(12),
        layers.Activation("tanh"), layers.BatchNormalization(), Dense(8, activation="sigmoid"),
        layers.Activation(lambda x: 3 * x), Dense(4, activation="softmax")])


def mixed_functional():
    """A graph of Dense, Dropout, Activation and the merging layers, one layer shared."""
    inputs = Input((10,))
    a = Dense(8, activation="relu")(inputs)
    b = Dense(8)(inputs)
    shared = Dense(8, activation="elu")
    merged = layers.Add()([a, b])
    merged = layers.Multiply()([merged, shared(a)])
    merged = layers.Subtract()([merged, shared(b)])
    merged = layers.Average()([merged, a, b])
    merged = layers.Maximum()([merged, layers.Minimum()([a, b])])
    joined = layers.Concatenate()([merged, layers.Activation("tanh")(b)])
    joined = layers.Dropout(0.3)(joined)
    dot = layers.Dot(axes=1)([joined, joined])
    outputs = Dense(3, activation="softmax")(layers.Concatenate()([joined, dot]))
    return models_module.Model(inputs, outputs)


@pytest.mark.parametrize("n", [1, 4])
@pytest.mark.parametrize("make", [mixed_sequential, mixed_functional])
def test_the_fast_entry_gives_the_general_paths_bytes(make, n):
    model = make()
    assert_planned_as_general(model, rows(n))


def test_a_functional_model_of_the_seed_layers_runs_a_plan():
    model = seed_model()
    functional = same_layers_as_a_graph(model)
    x = rows(3)
    assert_same_bytes(assert_planned_as_general(functional, x), by_hand(model, x))


def test_float64_and_integer_inputs_are_converted_as_before():
    for model in (seed_model(), mixed_functional()):
        x = rows(3)
        model(x)
        for other in (x.astype(np.float64), np.arange(30).reshape(3, 10)):
            assert model._run_plan(other) is None  # the general path converts them
            converted = other.astype(np.float32)
            assert_same_bytes(model(other), general(model, converted))
            assert_same_bytes(model.predict(other, verbose=0), general(model, converted))


@pytest.mark.parametrize("make", [seed_model, mixed_functional])
def test_an_activity_regularizer_set_after_the_plan_goes_through_the_general_path(make):
    model, x = make(), rows(4)
    model(x)
    layer = model.layers[1] if isinstance(model, Sequential) else model.get_layer(
        model.layers[1].name)
    layer.activity_regularizer = regularizers.L2(0.01)
    assert model._run_plan(x) is None  # the plan is stale
    out = model(x)
    assert_same_bytes(out, general(model, x))
    assert len(model.losses) == 1
    assert model._run_plan(x) is None  # (a layer with a regularizer: no plan)
    layer.activity_regularizer = None
    assert_same_bytes(model(x), general(model, x))
    assert model.losses == []


def test_an_activation_changed_in_a_functional_plan_is_the_one_applied():
    model, x = mixed_functional(), rows(2)
    model(x)
    dense = model.layers[1]
    activation_layer = next(l for l in model.layers if isinstance(l, layers.Activation))
    before = np.asarray(model(x)).copy()
    dense.activation = activations.tanh
    activation_layer.activation = activations.sigmoid
    after = model(x)
    assert not np.array_equal(after, before)
    assert_same_bytes(after, general(model, x))
    assert model._run_plan(x) is not None  # made again, for the new activations
    assert_same_bytes(model(x), after)


def test_new_weights_are_read_by_the_plans():
    for model in (seed_model(), mixed_functional()):
        x, y = rows(8), np.random.default_rng(3).random((8, model.output_shape[-1]))
        model(x)
        model.set_weights([w * 0.5 for w in model.get_weights()])
        assert_same_bytes(model(x), general(model, x))
        model.weights[0].assign(np.ones(model.weights[0].shape))
        assert_same_bytes(model(x), general(model, x))
        # Training packs the weights into one array: each variable's value is a new view.
        values = [w.value for w in model.weights]
        model.compile(optimizer="adam", loss="mse")
        model.fit(x, y, epochs=2, verbose=0)
        assert any(w.value is not v for w, v in zip(model.weights, values))
        assert_same_bytes(model(x), general(model, x))
        assert_same_bytes(model.predict(x, verbose=0), general(model, x))


def test_a_call_inside_another_models_call_takes_its_training():
    class Outer(models_module.Model):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def call(self, x, training=False):
            return self.inner(x)  # no training given: the outer call's

    inner = Sequential([Input((10,)), Dense(32), layers.Dropout(0.5, seed=1)])
    outer, x = Outer(inner), rows(8)
    quiet = inner(x)
    assert inner._run_plan(x) is not None
    assert_same_bytes(outer(x), quiet)
    dropped = np.asarray(outer(x, training=True))
    assert (dropped == 0).sum() > 0 and not np.array_equal(dropped, quiet)


def test_a_recording_tape_takes_the_general_path():
    from minikeras import GradientTape

    model, x = seed_model(), rows(4)
    model(x)
    with GradientTape() as tape:
        out = model(x)
        loss = ops.sum(out)
    grads = tape.gradient(loss, model.trainable_variables)
    assert all(g is not None for g in grads)
    assert_same_bytes(tape_module.value_of(out), by_hand(model, x))




def test_graphs_with_layers_a_plan_cannot_hold_run_as_before():
    inputs = Input((10,))
    hidden = Dense(6)(inputs)
    outputs = Dense(2)(layers.Lambda(lambda t: t * 2.0)(hidden))
    lambda_model = models_module.Model(inputs, outputs)
    tokens = Input((5,), dtype="int32")
    masked = layers.Embedding(20, 4, mask_zero=True)(tokens)
    embedding_model = models_module.Model(tokens, layers.GlobalAveragePooling1D()(masked))
    called_with_training = models_module.Model(inputs, layers.Dropout(0.5)(inputs, training=True))
    ids = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 0, 0]], np.int32)
    for model, x in ((lambda_model, rows(3)), (embedding_model, ids),
                     (called_with_training, rows(3))):
        model(x)
        assert model._run_plan(x) is None
    assert plan_of(lambda_model, rows(3)) is model_module.NO_PLAN
    assert_same_bytes(lambda_model(rows(3)), general(lambda_model, rows(3)))
    dropped, x = np.asarray(called_with_training(rows(3))), rows(3)  # dropout stays on
    assert (dropped == 0).any() and np.array_equal(dropped[dropped != 0], 2 * x[dropped != 0])


def test_a_subclass_with_its_own_call_or_forward_gets_the_general_step():
    class Doubled(layers.Activation):
        def call(self, inputs):
            return 2 * super().call(inputs)

    class Shifted(Dense):
        def forward(self, inputs, training=False):
            z, ctx = super().forward(inputs, training)
            return z + 1, ctx

    model, x = Sequential([Input((10,)), Shifted(4, activation="relu"), Doubled("tanh")]), rows(3)
    hidden = np.maximum(np.matmul(x, model.weights[0].value) + model.weights[1].value + 1, 0)
    assert_same_bytes(model(x), 2 * np.tanh(hidden))
    assert_same_bytes(model(x), general(model, x))
    assert plan_of(model, x) is model_module.NO_PLAN  # Doubled's own call: no step
    assert callable(model.layers[0]._inference_step())  # Shifted: the general forward step
    assert_same_bytes(model.layers[0]._inference_step()(x), hidden)


def test_a_model_subclass_with_its_own_call_is_not_skipped_by_the_fast_entry():
    class Doubled(Sequential):
        def call(self, inputs, training=False):
            return 2 * super().call(inputs, training=training)

    class Halved(Functional):
        def call(self, inputs, training=None, mask=None):
            return super().call(inputs, training, mask) / 2

    doubled, x = Doubled([Input((10,)), Dense(3)]), rows(2)
    inputs = Input((10,))
    halved = Halved(inputs, Dense(3)(inputs))
    for model, scale in ((doubled, 2), (halved, 0.5)):
        expected = scale * (np.matmul(x, model.weights[0].value) + model.weights[1].value)
        for _ in range(3):
            assert_same_bytes(model(x), expected)
            assert_same_bytes(model.predict(x, verbose=0), expected)
        assert model._run_plan(x) is None
        many = rows(70)  # predict's later batches too
        assert_same_bytes(model.predict(many, verbose=0),
                          scale * (np.matmul(many, model.weights[0].value) + model.weights[1].value))
