"""The engine: one tape for every model, per-call state, subclassed models, custom loops.

Programs of tests/engine_cases.py are compared with what real Keras 3 observed running them
(compat/make_engine.py -> compat/data/engine.*); the rest is checked against finite
differences in float64 or against what a program must see (each call run once, weights
deduplicated, files round-tripped).
"""

import json
import threading

import engine_cases as ec
import numpy as np
import pytest
from conftest import COMPAT_DATA, finite_difference, training_gradients

import minikeras
from minikeras import GradientTape, backend, layers, ops
from minikeras.compat import tensorflow as tf

REFERENCE = json.loads((COMPAT_DATA / "engine.json").read_text())["cases"]
ARRAYS = np.load(COMPAT_DATA / "engine.npz")


def assert_close(actual, expected, where, rtol=1e-5, atol=1e-6):
    if isinstance(expected, dict):
        assert sorted(actual) == sorted(expected), where
        for key in expected:
            assert_close(actual[key], expected[key], f"{where}/{key}", rtol, atol)
    elif isinstance(expected, list) and expected and not isinstance(expected[0], (int, float)):
        for index, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, f"{where}/{index}", rtol, atol)
    else:
        np.testing.assert_allclose(np.asarray(actual, "float64"), expected, rtol=rtol,
                                   atol=atol, err_msg=where)


@pytest.mark.parametrize("name", list(ec.CASES))
@pytest.mark.parametrize("tape", ["minikeras", "tf"])
def test_programs_land_where_keras_lands(name, tape):
    backend.clear_session()
    GradientTapeClass = GradientTape if tape == "minikeras" else tf.GradientTape
    result = ec.CASES[name](minikeras, GradientTapeClass, ec.make_data())
    arrays = {}
    kept = ec.flatten_result(name, result, arrays)
    assert_close(kept, REFERENCE[name], name)
    stored = {key for key in ARRAYS.files if key.startswith(f"{name}/")}
    assert stored == set(arrays)
    for key in stored:
        np.testing.assert_allclose(arrays[key], ARRAYS[key], rtol=1e-5, atol=1e-6, err_msg=key)


# ----------------------------------------------------------------------------------------------
# Sharing: one layer or one weight used in several places gets the sum of its gradients


@pytest.fixture
def float64():
    backend.set_floatx("float64")
    yield
    backend.set_floatx("float32")


RNG = np.random.default_rng(3)
X = RNG.normal(size=(5, 4))
Y = RNG.normal(size=(5, 3))


def assert_training_gradients_are_exact(model, x=X, y=Y):
    model.compile(optimizer="sgd", loss="mse")
    value, grads = training_gradients(model, x, y)
    assert len({id(w) for w in model.trainable_weights}) == len(model.trainable_weights)

    def objective():
        return float(model.compute_loss(x, y, np.asarray(model(x, training=True))))

    assert value == pytest.approx(objective(), rel=1e-12)
    for weight, grad in zip(model.trainable_weights, grads):
        def at(values, weight=weight):
            saved = weight.value.copy()
            weight.value[...] = values
            try:
                return objective()
            finally:
                weight.value[...] = saved

        np.testing.assert_allclose(grad, finite_difference(at, weight.value), rtol=1e-6,
                                   atol=1e-8, err_msg=weight.path)


def test_a_dense_shared_by_two_nested_sequentials(float64):
    shared = layers.Dense(4, activation="tanh")
    first = minikeras.Sequential([shared, layers.Dense(4, activation="sigmoid")])
    second = minikeras.Sequential([shared, layers.Dense(3)])
    model = minikeras.Sequential([layers.Input((4,)), first, second])
    assert len(model.trainable_weights) == 6  # the shared kernel and bias once
    assert_training_gradients_are_exact(model)


class Twice(minikeras.Model):
    """One Dense called twice in a model, and its kernel read again by a tied output."""

    def __init__(self):
        super().__init__()
        self.square = layers.Dense(4, activation="tanh")
        self.out = layers.Dense(3)

    def call(self, x):
        h = self.square(self.square(x))
        return self.out(h) + ops.matmul(h, ops.transpose(self.square.kernel))[:, :3]


def test_one_layer_called_twice_and_a_weight_read_twice(float64):
    model = Twice()
    model(X)
    assert [w.path for w in model.trainable_weights] == [
        "dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias"]
    assert_training_gradients_are_exact(model)


def test_inference_and_training_calls_between_forward_and_gradient_change_nothing():
    """What a custom loop does (validation before `tape.gradient`): the recorded call's own
    dropout mask and inputs are what its gradient follows."""
    first, dropout, second = layers.Dense(8), layers.Dropout(0.5, seed=2), layers.Dense(3)
    x = X.astype("float32")
    with GradientTape() as tape:
        hidden = first(x)
        dropped = dropout(hidden, training=True)
        loss = ops.sum(second(dropped))
    for _ in range(2):
        second(dropout(first(x * 2)))
        second(dropout(first(x), training=True))  # a fresh mask, in its own context
    grad_first, _, grad_second, grad_bias = tape.gradient(
        loss, [first.kernel, first.bias, second.kernel, second.bias])
    kept = np.asarray(dropped.value)
    mask = (kept != 0) * 2.0
    np.testing.assert_allclose(grad_second, kept.T @ np.ones((5, 3)), rtol=1e-5)
    np.testing.assert_allclose(grad_bias, np.full(3, 5.0))
    upstream = np.ones((5, 3)) @ second.kernel.numpy().T * mask
    np.testing.assert_allclose(grad_first, x.T @ upstream, rtol=1e-5, atol=1e-6)


class Counting(layers.Layer):
    """A user layer written with ops that counts its calls and draws randomness."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = {True: 0, False: 0}

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2), initializer="ones", name="w")

    def call(self, x, training=False):
        self.calls[bool(training)] += 1
        noise = np.random.default_rng(self.calls[True]).normal(size=(1, 2)).astype("float32")
        return ops.matmul(x, self.w) + noise


def test_each_call_runs_once_per_training_step():
    counting = Counting()
    model = minikeras.Sequential([layers.Input((4,)), counting])  # built: a probe for shapes
    counting.calls = {True: 0, False: 0}
    model.compile(optimizer="sgd", loss="mse")
    model.fit(X.astype("float32"), Y[:, :2].astype("float32"), batch_size=2, epochs=1,
              verbose=0, shuffle=False)
    assert counting.calls == {True: 3, False: 0}  # 5 rows in batches of 2: 3 steps, no replay


def test_training_reaches_nested_layers_and_the_signature_default_applies():
    class Outer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = layers.Dropout(0.999, seed=1)

        def call(self, x):  # passes no `training`: the enclosing call's reaches Dropout
            return self.inner(x)

    class DefaultsToTraining(layers.Layer):
        def call(self, x, training=True):
            return x * (2.0 if training else 1.0)

    x = np.ones((4, 50), "float32")
    outer = Outer()
    assert np.asarray(outer(x, training=True)).mean() < 0.5
    np.testing.assert_array_equal(outer(x), x)
    np.testing.assert_array_equal(DefaultsToTraining()(x), 2 * x)
    np.testing.assert_array_equal(DefaultsToTraining()(x, training=False), x)
    model = minikeras.Sequential([layers.Input((50,)), DefaultsToTraining()])
    np.testing.assert_array_equal(model(x, training=False), x)  # the outer value wins


class _AddsOneInTraining(layers.Layer):
    def call(self, x, training=True):
        return x + (1.0 if training else 0.0)


class _CallWithoutTraining(minikeras.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(1, kernel_initializer="ones")
        self.adds = _AddsOneInTraining()

    def call(self, x):
        return self.adds(self.dense(x))


class _CallWithTraining(_CallWithoutTraining):
    def call(self, x, training=None):
        return self.adds(self.dense(x))


@pytest.mark.parametrize("model_class, expected", [(_CallWithoutTraining, 3.0),
                                                   (_CallWithTraining, 2.0)])
def test_predict_gives_training_false_only_to_a_call_that_takes_it(model_class, expected):
    # Keras 3.15 on TensorFlow: `predict_step` calls `self(x, training=False)` only when the
    # model's `call` has a `training` argument, else `self(x)`, and a nested layer called
    # without `training` keeps its own default (here True: adds 1; the Dense of ones gives 2).
    # Every batch alike: the one-row call, the first batch and the later ones.
    model, x = model_class(), np.ones((70, 2), "float32")
    model(x[:1])
    np.testing.assert_array_equal(model.predict(x[:1], verbose=0), [[expected]])
    np.testing.assert_array_equal(model.predict(x, batch_size=32, verbose=0), expected)
    np.testing.assert_array_equal(model.predict(x, batch_size=32, verbose=1), expected)


def test_structured_inputs_reach_build_and_call_and_one_input_layers_refuse_lists():
    class Pair(layers.Layer):
        def build(self, input_shape):
            self.shapes = input_shape
            self.w = self.add_weight(shape=(input_shape[0][-1],), initializer="ones")

        def call(self, inputs):
            a, b = inputs
            return a * self.w + b

    a, b = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    pair = Pair()
    np.testing.assert_array_equal(pair([a, b]), np.full((2, 3), 3.0))
    assert pair.shapes == [(2, 3), (2, 3)]
    with pytest.raises(ValueError, match="Layer 'dense.*' expects 1 input"):
        layers.Dense(2)([a, b])
    np.testing.assert_allclose(layers.Dense(1, kernel_initializer="ones")([[1.0, 2.0]]), [[3.0]])


# ----------------------------------------------------------------------------------------------
# Subclassed layers and models: tracking, training, files


@minikeras.saving.register_keras_serializable(package="EngineTests")
class Block(layers.Layer):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = layers.Dense(units, activation="relu")

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")

    def call(self, x):
        return self.dense(x) * self.scale

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@minikeras.saving.register_keras_serializable(package="EngineTests")
class Net(minikeras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.block = Block(5)
        self.heads = [layers.Dense(3), layers.Dense(2)]
        self.drop = layers.Dropout(0.1, seed=1)

    def call(self, x, training=False):
        return self.heads[1](self.heads[0](self.drop(self.block(x), training=training)))


def test_a_subclassed_layer_tracks_its_sublayers_and_weights():
    block = Block(3)
    block(np.ones((2, 4), "float32"))
    assert [w.name for w in block.weights] == ["scale", "kernel", "bias"]
    assert block.count_params() == 3 + 4 * 3 + 3
    block.trainable = False
    assert block.trainable_weights == [] and not block.dense.trainable
    block.trainable = True
    assert len(block.trainable_weights) == 3


@pytest.mark.parametrize("filename", ["net.weights.h5", "net.h5", "net.keras"])
def test_a_subclassed_model_trains_and_round_trips_its_files(tmp_path, filename):
    x = np.random.default_rng(0).random((32, 4), dtype="float32")
    y = x[:, :2] - x[:, 2:]
    model = Net()
    model.compile(minikeras.optimizers.Adam(0.02), "mse")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert [layer.name for layer in model.layers][:1] == ["block"] and len(model.layers) == 4
    assert len(model.weights) == 7 and model.count_params() == 5 + 20 + 5 + 18 + 8
    path = str(tmp_path / filename)
    if filename.endswith(".keras"):
        model.save(path)
        again = minikeras.saving.load_model(path)
        assert type(again) is Net and again.optimizer.iterations.numpy() == 3
    else:
        model.save_weights(path)
        again = Net()
        again(x[:1])
        again.load_weights(path)
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_keras3_weights_file_layout_of_a_subclassed_model(tmp_path):
    """Keras 3.15 stores this model's weights by attribute name (`block/dense/vars/0`,
    `block/vars/0`, `heads/dense_1/vars/1`, ...), read off a file it wrote."""
    import h5py

    model = Net()
    model(np.ones((1, 4), "float32"))
    model.save_weights(tmp_path / "n.weights.h5")
    with h5py.File(tmp_path / "n.weights.h5") as f:
        datasets = []

        def collect(name, item):
            if isinstance(item, h5py.Dataset):
                datasets.append(name)

        f.visititems(collect)
    assert datasets == ["block/dense/vars/0", "block/dense/vars/1", "block/vars/0",
                        "heads/dense/vars/0", "heads/dense/vars/1", "heads/dense_1/vars/0",
                        "heads/dense_1/vars/1"]


# ----------------------------------------------------------------------------------------------
# Tapes, tensors and threads


def test_tape_semantics_as_tensorflow():
    w = minikeras.Variable(np.array([1.0, 2.0], "float32"))
    frozen = minikeras.Variable(np.array(3.0, "float32"), trainable=False)
    x = np.array([3.0, 4.0], "float32")
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(w * x) * frozen
        with tape.stop_recording():
            ignored = ops.sum(w * 10.0)
    dw, dx, dfrozen = tape.gradient(y, [w, x, frozen])
    np.testing.assert_array_equal(dw, x * 3.0)
    np.testing.assert_array_equal(dx, w.numpy() * 3.0)
    assert dfrozen is None  # not trainable: not watched
    assert not isinstance(ignored, minikeras.core.tape.Node)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
        tape.gradient(y, [w])


def test_nested_tapes_each_give_their_gradient():
    w = minikeras.Variable(np.array([1.0, 2.0], "float32"))
    x = np.array([3.0, 4.0], "float32")
    with GradientTape() as outer:
        with GradientTape() as inner:
            inner.watch(x)
            z = ops.sum(ops.square(x) * w)
    np.testing.assert_allclose(inner.gradient(z, x), 2 * x * w.numpy())
    np.testing.assert_allclose(outer.gradient(z, w), x * x)
    with GradientTape() as unrelated:
        pass
    assert unrelated.gradient(z, [w], unconnected_gradients="zero")[0].tolist() == [0.0, 0.0]


def test_eager_results_are_tensors_with_numpy():
    model = minikeras.Sequential([layers.Input((3,)), layers.Dense(2)])
    out = model(np.ones((1, 3), "float32"))
    assert isinstance(out.numpy(), np.ndarray) and type(out.numpy()) is np.ndarray
    assert out.shape == (1, 2) and out.dtype == np.float32
    assert type(model.predict(np.ones((1, 3)), verbose=0)) is np.ndarray


def test_predict_from_threads_while_another_thread_trains():
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(16, activation="relu"),
                                  layers.Dropout(0.5), layers.Dense(2)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).random((256, 4), dtype="float32")
    expected = model.predict(x, verbose=0)
    weights = model.get_weights()
    results, errors = [], []

    def predict():
        try:
            for _ in range(5):
                results.append(np.asarray(model(x, training=False)))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=predict) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and all(np.array_equal(r, expected) for r in results)
    trainer = threading.Thread(target=lambda: model.fit(x, x[:, :2], epochs=2, verbose=0))
    reader = threading.Thread(target=predict)
    trainer.start(), reader.start(), trainer.join(), reader.join()
    assert not errors and not all(np.array_equal(a, b) for a, b in zip(weights,
                                                                      model.get_weights()))


def test_tapes_record_in_their_own_threads_only():
    """Each thread's tapes are its own: while two threads record at once, a third (here the
    main thread) records nothing, and once both have left their tapes no thread records."""
    from minikeras.core import tape as tape_module

    inside, leave = threading.Barrier(3), threading.Barrier(3)
    seen, errors = [], []

    def record():
        try:
            with GradientTape() as outer, GradientTape():
                x = minikeras.Variable(np.ones(2, "float32"))
                y = x * 2.0
                inside.wait(timeout=10)
                seen.append(tape_module.recording())
                leave.wait(timeout=10)
            seen.append(tape_module.recording())
            seen.append(np.asarray(outer.gradient(y, x)).tolist() == [2.0, 2.0])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=record) for _ in range(2)]
    for thread in threads:
        thread.start()
    inside.wait(timeout=10)
    assert len(tape_module._threads_recording) == 2 and not tape_module.recording()
    leave.wait(timeout=10)
    for thread in threads:
        thread.join()
    assert not errors and sorted(seen) == [False, False, True, True, True, True]
    assert not tape_module._threads_recording


# ----------------------------------------------------------------------------------------------
# Lambda: the user's own code runs; a file's stored code never does


@minikeras.saving.register_keras_serializable(package="EngineTests")
def halve_and_square(x):
    return ops.square(x * 0.5)


def test_a_lambda_in_code_trains_through_the_tape(float64):
    model = minikeras.Sequential([
        layers.Input((4,)), layers.Dense(3, activation="tanh"),
        layers.Lambda(lambda x, scale=2.0: ops.sin(x) * scale, output_shape=(3,)),
        layers.Dense(3),
    ])
    assert model.layers[1].compute_output_shape((None, 3)) == (None, 3)
    assert_training_gradients_are_exact(model)


def test_a_lambda_loads_by_function_name_and_never_from_stored_code(tmp_path):
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    named = minikeras.Sequential([layers.Input((4,)), layers.Lambda(halve_and_square)])
    named.save(tmp_path / "named.keras")
    again = minikeras.saving.load_model(tmp_path / "named.keras")
    np.testing.assert_allclose(again.predict(x, verbose=0), (x * 0.5) ** 2, rtol=1e-6)
    anonymous = minikeras.Sequential([layers.Input((4,)), layers.Lambda(lambda t: t * 3.0)])
    anonymous.save(tmp_path / "anonymous.keras")  # Keras loads it with safe_mode=False
    with pytest.raises(ValueError, match="never executes code"):
        minikeras.saving.load_model(tmp_path / "anonymous.keras", safe_mode=False)


# ----------------------------------------------------------------------------------------------
# A Model subclass given inputs and outputs is a functional model with the subclass' methods


class _FunctionalWithOwnStep(minikeras.Model):
    def train_step(self, data):
        self.steps_taken = getattr(self, "steps_taken", 0) + 1
        return super().train_step(data)


@pytest.mark.parametrize("extension", ["keras", "h5"])
def test_a_functional_subclass_trains_saves_and_loads_as_itself(tmp_path, extension):
    from minikeras.models.functional import Functional

    inputs = minikeras.Input((3,))
    model = _FunctionalWithOwnStep(inputs, layers.Dense(2)(layers.Dense(4)(inputs)), name="own")
    assert isinstance(model, Functional) and model.name == "own"
    model.compile("sgd", "mse")
    x, y = np.ones((8, 3), "float32"), np.zeros((8, 2), "float32")
    model.fit(x, y, batch_size=4, verbose=0)
    assert model.steps_taken == 2
    path = tmp_path / f"m.{extension}"
    model.save(path)
    loaded = minikeras.models.load_model(
        path, custom_objects={"_FunctionalWithOwnStep": _FunctionalWithOwnStep})
    assert type(loaded) is _FunctionalWithOwnStep
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    again = _FunctionalWithOwnStep.from_config(model.get_config())
    assert type(again) is _FunctionalWithOwnStep and len(again.layers) == len(model.layers)


class _StepOnly(minikeras.Model):
    """A model that is its steps alone (no `call`), as Keras' VAE example: a step's `data` is
    `x` itself when there is no target."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(3)
        self.seen = []

    def train_step(self, data):
        self.seen.append(("train", type(data).__name__))
        with GradientTape() as tape:
            loss = ops.mean(ops.square(self.dense(data) - data))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        return {"loss": loss}

    def test_step(self, data):
        self.seen.append(("test", type(data).__name__))
        return {"loss": ops.mean(ops.square(self.dense(data) - data))}

    def predict_step(self, data):
        self.seen.append(("predict", type(data).__name__))
        return self.dense(data)


def test_steps_get_x_alone_when_there_is_no_target():
    model = _StepOnly()
    model.compile(optimizer="sgd")
    x = np.ones((4, 3), "float32")
    model.fit(x, batch_size=2, epochs=1, verbose=0)
    model.evaluate(x, batch_size=4, verbose=0)
    assert model.predict(x, batch_size=4, verbose=0).shape == (4, 3)
    assert model.seen == [("train", "ndarray")] * 2 + [("test", "ndarray"), ("predict", "ndarray")]
    # with a target, the tuple as before
    model.seen.clear()

    def train_step(data):
        model.seen.append(("train", type(data).__name__, len(data)))
        return {}

    model.train_step = train_step
    model.fit(x, x, batch_size=4, epochs=1, verbose=0)
    assert model.seen == [("train", "tuple", 2)]


def test_a_layers_activation_recorded_inside_its_node_trains_byte_for_byte(monkeypatch):
    """While a tape records, a Dense or convolution layer computes a built-in activation (but
    softmax and sigmoid, which losses read) inside its own node: weights after training, the
    loss history and a user tape's input gradient are byte for byte those of the activation
    recorded as a node of its own, for activations with and without parameters' defaults."""
    from minikeras import backend, layers as L
    from minikeras.core import tape
    from minikeras.layers.base import Layer

    rng = np.random.default_rng(7)
    images = rng.standard_normal((24, 6, 6, 2)).astype(np.float32)
    rows = rng.standard_normal((24, 5)).astype(np.float32)
    labels = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 24)]
    fused = []
    recorded_activation = Layer._recorded_activation

    def spied(layer, outputs):
        rule = recorded_activation(layer, outputs)
        fused.append((type(layer).__name__, layer.activation.__name__, rule is not None))
        return rule

    def run(inside):
        results = []
        for stack, x in [
            (lambda: [L.Input((5,)), L.Dense(8, activation="relu"), L.Dropout(0.2),
                      L.Dense(8, activation="tanh"), L.Dense(8, activation="elu"),
                      L.Dense(8, activation="gelu"), L.Dense(8, activation="leaky_relu"),
                      L.Dense(3, activation="softmax")], rows),
            (lambda: [L.Input((6, 6, 2)), L.Conv2D(3, 3, activation="relu"), L.Flatten(),
                      L.Dense(4, activation="selu"), L.Dense(3, activation="sigmoid")], images),
        ]:
            backend.clear_session(free_memory=False)
            backend.set_random_seed(2)
            with monkeypatch.context() as patch:
                patch.setattr(Layer, "_recorded_activation",
                              spied if inside else lambda layer, outputs: None)
                model = minikeras.Sequential(stack())
                model.compile(optimizer="adam", loss="categorical_crossentropy")
                history = model.fit(x, labels, batch_size=8, epochs=2, verbose=0).history
                with tape.GradientTape() as recording:
                    recording.watch(x)
                    out = model(x, training=True)
                grad = recording.gradient(out, x)
            results.append(([w.tobytes() for w in model.get_weights()], history,
                             np.asarray(grad).tobytes()))
        return results

    assert run(inside=True) == run(inside=False)
    taken = {(kind, name): inside for kind, name, inside in fused}
    assert taken == {("Dense", name): name not in ("softmax", "sigmoid") for name in [
        "relu", "tanh", "elu", "gelu", "leaky_relu", "selu", "softmax", "sigmoid"]}
    # (A convolution applies its relu itself, in its parts: `base_conv.convolve`.)
