"""Sequential's inference plans (`Sequential._infer`): the plan made at an input signature's
first call gives the bytes the fully checked loop gives, and is dropped or bypassed whenever
what it decided no longer holds. Also relu's comparison with a 0-d zero."""

import threading

import numpy as np
import pytest

from minikeras import activations, layers, regularizers
from minikeras.layers import Dense, Input
from minikeras.models import Sequential
from minikeras import models as models_module
from minikeras.models import sequential as sequential_module


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
    return model._plans.get((x.shape, x.dtype))


def assert_same_bytes(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("n", [1, 3, 32])
def test_a_plan_gives_the_checked_loops_bytes_and_the_hand_written_forward(n):
    model, x = seed_model(), rows(n)
    first = model(x)  # makes the plan
    plan = plan_of(model, x)
    assert isinstance(plan, tuple) and [step[0] for step in plan] == model.layers
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
    # A float64 row is cast by __call__ before the stack: the stack only sees float32.
    assert plan_of(model, x64) is None
    # The stack called on float64 directly (its first layer casts): no plan through a cast.
    assert_same_bytes(model._infer(x64, False, False), checked(model, x64))
    assert plan_of(model, x64) is sequential_module._NO_PLAN
    assert_same_bytes(model._infer(x64, False, False), checked(model, x64))


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
    assert plan_of(model, x) is sequential_module._NO_PLAN
    assert_same_bytes(out, checked(model, x))


def test_dropout_in_a_plan_reads_training():
    model = Sequential([Input((10,)), Dense(8, activation="relu"), layers.Dropout(0.5),
                        Dense(1)])
    x = rows(16)
    quiet = model(x)
    assert isinstance(plan_of(model, x), tuple)
    assert_same_bytes(model(x), quiet)
    assert not np.array_equal(model(x, training=True), quiet)


def test_two_threads_calling_one_model_on_different_shapes():
    model = seed_model(last=3)
    inputs = {n: rows(n, seed=n) for n in (1, 2, 7, 32)}
    expected = {n: by_hand(model, x) for n, x in inputs.items()}
    failures, start = [], threading.Barrier(2)

    def work(sizes):
        start.wait()
        for _ in range(200):
            for n in sizes:
                for out in (model(inputs[n]), model.predict(inputs[n], verbose=0)):
                    if np.asarray(out).tobytes() != expected[n].tobytes():
                        failures.append(n)

    threads = [threading.Thread(target=work, args=(sizes,)) for sizes in ((1, 7), (32, 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert set(model._plans) == {((n, 10), np.dtype(np.float32)) for n in inputs}


def test_plans_are_bounded():
    model = seed_model()
    for n in range(1, 3 * sequential_module._PLANS_KEPT):
        model(rows(n))
    assert len(model._plans) <= sequential_module._PLANS_KEPT


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


def test_a_functional_model_gives_the_sequential_bytes():
    """The graph runner's order and its one-tensor argument filling (`Node.fill_in`), against
    the same layers run by a Sequential model."""
    model = seed_model()
    inputs = Input((10,))
    outputs = inputs
    for layer in model.layers:
        outputs = layer(outputs)
    functional = models_module.Model(inputs, outputs)
    x = rows(5)
    assert [node.operation for node in functional._nodes_in_order][1:] == model.layers
    for result in (functional(x), functional.predict(x, verbose=0)):
        assert_same_bytes(result, model(x))
    node = model.layers[0]._inbound_nodes[-1]
    assert node._only_tensor is inputs
    assert node.fill_in({id(inputs): x}) == ([x], {})
