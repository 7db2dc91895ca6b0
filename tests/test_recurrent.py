"""Recurrent layers and wrappers against Keras 3 (compat/make_recurrent.py, cases in
tests/recurrent_cases.py) and against finite differences, and their behaviour: states, masks,
dropout, statefulness, configs (Keras 2's included)."""

import json

import numpy as np
import pytest

import minikeras as mk
from minikeras import GradientTape, layers, ops, tree
from minikeras.saving import registry
import recurrent_cases as cases
from conftest import COMPAT_DATA, finite_difference

INFO = json.loads((COMPAT_DATA / "recurrent.json").read_text())
DATA = np.load(COMPAT_DATA / "recurrent.npz")


def numbered(prefix):
    keys = sorted((k for k in DATA.files if k.startswith(prefix) and k[len(prefix):].isdigit()),
                  key=lambda k: int(k[len(prefix):]))
    return [DATA[k] for k in keys]


def keras_case(name):
    """The case's layer, weighted as Keras' was, and its call arguments."""
    spec, call = cases.CASES[name]
    layer = cases.build(layers, spec)
    x = DATA[f"{name}/x"]
    kwargs = {"mask": cases.MASK} if call.get("mask") else {}
    layer(x, **kwargs)
    layer.set_weights(numbered(f"{name}/w"))
    states = numbered(f"{name}/state")
    if states:
        kwargs["initial_state"] = states
    return layer, x, kwargs


@pytest.mark.parametrize("name", list(cases.CASES))
def test_outputs_and_gradients_match_keras(name):
    layer, x, kwargs = keras_case(name)
    outputs = tree.flatten(layer(x, **kwargs))
    expected = numbered(f"{name}/out")
    assert len(outputs) == len(expected)
    for output, reference in zip(outputs, expected):
        np.testing.assert_allclose(output, reference, atol=1e-5)
    states = kwargs.get("initial_state", [])
    with GradientTape() as tape:
        tape.watch([x, *states])
        outputs = tree.flatten(layer(x, **kwargs))
        total = sum(ops.sum(o * u) for o, u in zip(outputs, numbered(f"{name}/up")))
    grads = tape.gradient(total, [x, *states, *layer.trainable_weights])
    for grad, reference in zip(grads, numbered(f"{name}/grad"), strict=True):
        np.testing.assert_allclose(grad, reference, atol=1e-5)


def _without_names(value):
    """A config without Keras' object ids and automatic names (counters differ by session)."""
    if isinstance(value, dict):
        return {k: _without_names(v) for k, v in value.items()
                if k not in ("shared_object_id", "name")}
    if isinstance(value, list):
        return [_without_names(v) for v in value]
    return value


@pytest.mark.parametrize("name", list(cases.CASES))
def test_config_is_keras_and_keras_config_loads(name):
    layer, _, _ = keras_case(name)
    ours = _without_names(json.loads(json.dumps(registry.serialize(layer))))
    assert ours == _without_names(INFO["cases"][name]["config"])
    clone = registry.deserialize("layer", INFO["cases"][name]["config"])
    assert [w.shape for w in clone.weights] == [w.shape for w in layer.weights]


@pytest.mark.parametrize("name", list(cases.TRAINING))
def test_weights_after_training_steps_match_keras(name):
    _, loss, (optimizer, arguments), _ = cases.TRAINING[name]
    model = cases.training_model(mk, name)
    model.compile(optimizer=getattr(mk.optimizers, optimizer)(**arguments), loss=loss)
    model.set_weights(numbered(f"train/{name}/w"))
    x, y = DATA[f"train/{name}/x"], DATA[f"train/{name}/y"]
    losses = []
    for step in range(cases.TRAINING_STEPS):
        batch = slice(step * cases.TRAINING_BATCH, (step + 1) * cases.TRAINING_BATCH)
        losses.append(float(model.train_on_batch(x[batch], y[batch])))
    np.testing.assert_allclose(losses, INFO["training"][name]["losses"], rtol=1e-5)
    for weight, reference in zip(model.get_weights(), numbered(f"train/{name}/trained"),
                                 strict=True):
        np.testing.assert_allclose(weight, reference, atol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0), DATA[f"train/{name}/pred"],
                               atol=1e-5)


# ----------------------------------------------------------------------------------------------
# Finite differences in float64: masked, with states, every cell and wrapper


F64 = {"dtype": "float64"}
GRADIENT_CASES = {
    "simple_rnn_masked_state": (lambda: layers.SimpleRNN(3, return_state=True, **F64), True),
    "lstm_masked_sequences": (lambda: layers.LSTM(3, return_sequences=True, **F64), True),
    "lstm_state_backwards": (
        lambda: layers.LSTM(3, return_state=True, go_backwards=True, **F64), True),
    "gru_masked_zero_output": (
        lambda: layers.GRU(3, return_sequences=True, zero_output_for_mask=True, **F64), True),
    # without a mask: each built-in cell's whole-sequence loop (recurrence._run_sequence)
    "simple_rnn_sequences": (lambda: layers.SimpleRNN(3, return_sequences=True, **F64), False),
    "lstm_sequences_state": (
        lambda: layers.LSTM(3, return_sequences=True, return_state=True, **F64), False),
    "lstm_linear_state": (lambda: layers.LSTM(2, activation="linear", return_state=True,
                                              recurrent_activation="hard_sigmoid", **F64), False),
    "gru_state_backwards": (
        lambda: layers.GRU(3, return_state=True, go_backwards=True, **F64), False),
    "gru_relu_sequences": (
        lambda: layers.GRU(2, activation="relu", return_sequences=True, **F64), False),
    # softmax is not elementwise: the step-by-step loop, masked or not
    "lstm_softmax_state": (
        lambda: layers.LSTM(3, activation="softmax", return_state=True, **F64), False),
    "lstm_softmax_masked_sequences": (
        lambda: layers.LSTM(3, activation="softmax", return_sequences=True, **F64), True),
    "stacked_cells": (lambda: layers.RNN(
        [layers.GRUCell(2, **F64), layers.LSTMCell(3, **F64), layers.SimpleRNNCell(2, **F64)],
        return_sequences=True, **F64), False),
    "gru_reset_before_state": (
        lambda: layers.GRU(3, reset_after=False, return_state=True, **F64), True),
    "gru_reset_before_sequences_no_bias": (lambda: layers.GRU(
        3, reset_after=False, use_bias=False, return_sequences=True, **F64), False),
    "gru_masked_last_backwards": (lambda: layers.GRU(2, go_backwards=True, **F64), True),
    "stacked_cells_masked": (lambda: layers.RNN(
        [layers.LSTMCell(2, **F64), layers.GRUCell(3, **F64)], return_state=True, **F64), True),
    "bidirectional_masked_none": (lambda: layers.Bidirectional(
        layers.GRU(2, return_sequences=True, **F64), merge_mode=None, **F64), True),
    "bidirectional_state": (lambda: layers.Bidirectional(
        layers.LSTM(2, return_state=True, **F64), merge_mode="mul", **F64), False),
    "time_distributed_masked": (
        lambda: layers.TimeDistributed(layers.Dense(2, activation="tanh", **F64), **F64), True),
    "user_cell": (lambda: layers.RNN(MinimalCell(3, dtype="float64"), return_sequences=True,
                                     **F64), True),
}


class MinimalCell(layers.Layer):
    """Keras' example of a user cell: trained through the tape, op by op."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        output = ops.tanh(ops.matmul(inputs, self.kernel)
                          + ops.matmul(states[0], self.recurrent_kernel))
        return output, [output]


@pytest.mark.parametrize("name", list(GRADIENT_CASES))
def test_gradients_match_finite_differences(name):
    factory, masked = GRADIENT_CASES[name]
    layer = factory()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(cases.BATCH, cases.STEPS, cases.FEATURES))
    kwargs = {"mask": cases.MASK} if masked else {}
    upstreams = [rng.normal(size=np.shape(o)) for o in tree.flatten(layer(x, **kwargs))]

    def objective(value):
        outputs = tree.flatten(layer(value, **kwargs))
        return float(sum(np.sum(u * np.asarray(o)) for u, o in zip(upstreams, outputs)))

    with GradientTape() as tape:
        tape.watch(x)
        outputs = tree.flatten(layer(x, training=True, **kwargs))
        total = sum(ops.sum(o * u) for o, u in zip(outputs, upstreams))
    grads = tape.gradient(total, [x, *layer.trainable_weights])
    np.testing.assert_allclose(grads[0], finite_difference(objective, x), rtol=1e-6, atol=1e-7)
    for variable, grad in zip(layer.trainable_weights, grads[1:], strict=True):
        def objective_w(value, variable=variable):
            saved = variable.value.copy()
            variable.value[...] = value
            result = objective(x)
            variable.value[...] = saved
            return result

        np.testing.assert_allclose(grad, finite_difference(objective_w, variable.value.copy()),
                                   rtol=1e-6, atol=1e-7, err_msg=variable.path)


@pytest.mark.parametrize("mask", [cases.MASK[:, :4], None], ids=["masked", "unmasked"])
def test_initial_state_gradients_match_finite_differences(mask):
    layer = layers.LSTM(3, return_sequences=True, **F64)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 4, 3))
    h0, c0 = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    upstream = rng.normal(size=(2, 4, 3))
    with GradientTape() as tape:
        tape.watch([h0, c0])
        total = ops.sum(layer(x, initial_state=[h0, c0], mask=mask) * upstream)
    grads = tape.gradient(total, [h0, c0])
    for i, grad in enumerate(grads):
        def objective(value, i=i):
            states = [h0, c0]
            states[i] = value
            return float(np.sum(np.asarray(layer(x, initial_state=states, mask=mask))
                                * upstream))

        np.testing.assert_allclose(grad, finite_difference(objective, [h0, c0][i]), rtol=1e-6,
                                   atol=1e-7)


SEQUENCE_CELLS = {
    "simple_rnn": lambda: layers.SimpleRNNCell(3), "lstm": lambda: layers.LSTMCell(3),
    "gru": lambda: layers.GRUCell(3),
    "lstm_relu": lambda: layers.LSTMCell(2, activation="relu",
                                         recurrent_activation="hard_sigmoid"),
    "gru_reset_before": lambda: layers.GRUCell(3, reset_after=False),
    "gru_no_bias_relu": lambda: layers.GRUCell(2, use_bias=False, activation="relu"),
    "gru_reset_before_one_mask": lambda: layers.GRUCell(3, reset_after=False, implementation=2),
    # a dropout mask per gate (Keras' implementation=1, which recurrent dropout implies)
    "lstm_mask_per_gate": lambda: layers.LSTMCell(3, implementation=1),
    "lstm_no_bias_mask_per_gate": lambda: layers.LSTMCell(3, use_bias=False, implementation=1),
    "gru_mask_per_gate": lambda: layers.GRUCell(3, implementation=1),
    "gru_reset_before_mask_per_gate": lambda: layers.GRUCell(3, reset_after=False,
                                                             implementation=1),
}
# (masked, recurrent dropout)
SEQUENCE_CALLS = {"plain": (False, False), "masked": (True, False),
                  "recurrent_dropout": (False, True), "masked_recurrent_dropout": (True, True)}
SEQUENCE_MASK = np.array([[True, False], [False, True], [True, True], [False, False],
                          [True, False], [True, True]])  # (steps, batch): gaps, a held start


@pytest.mark.parametrize("make", list(SEQUENCE_CELLS.values()), ids=list(SEQUENCE_CELLS))
@pytest.mark.parametrize("call", list(SEQUENCE_CALLS.values()), ids=list(SEQUENCE_CALLS))
@pytest.mark.parametrize("keep_sequence", [True, False], ids=["sequence", "last"])
@pytest.mark.parametrize("input_dropout", [False, True], ids=["no_dropout", "input_dropout"])
@pytest.mark.parametrize("zero_output", [False, True], ids=["repeat", "zero_output"])
@pytest.mark.parametrize("batch", [2, 1], ids=["batch_2", "batch_1"])
def test_the_whole_sequence_loop_computes_what_the_step_loop_does(make, call, keep_sequence,
                                                                  input_dropout, zero_output,
                                                                  batch):
    # The cell's own whole-sequence loop, then the step-by-step loop (recurrence.run, forced
    # by `_runs_sequences`): the same outputs, states and gradients, in float32. (A batch of
    # one has a recurrent product of its own, `recurrence.step_product`.)
    from minikeras.core import tape as tape_module
    from minikeras.layers.rnn import recurrence

    masked, recurrent_dropout = call
    cell = make()
    if zero_output and not masked:
        pytest.skip("zero_output_for_mask needs a mask")
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, batch, 4)).astype(np.float32)  # time-major
    states = [rng.normal(size=(batch, cell.units)).astype(np.float32)
              for _ in range(cell._state_count)]
    cell(x[0], states if len(states) > 1 else states[0])
    upstream = rng.normal(size=(6, batch, cell.units) if keep_sequence else (batch, cell.units))
    upstream_states = [rng.normal(size=s.shape).astype(np.float32) for s in states]

    def dropout_masks(features):  # a call's masks, one per gate (or one for all)
        count = cell._mask_count()
        return (rng.random((count, batch, features)) > 0.3).astype(np.float32) / 0.7

    masks = (dropout_masks(4) if input_dropout else None,
             dropout_masks(cell.units) if recurrent_dropout else None)
    mask = SEQUENCE_MASK[:, :batch] if masked else None
    results, paths = [], []
    for whole_sequence in (True, False):
        if not whole_sequence:
            cell._runs_sequences = lambda: False
        with GradientTape():
            assert tape_module.recording()
            output, finals, ctx = recurrence.run(cell, x, [s.copy() for s in states], mask,
                                                 masks, keep_sequence, zero_output)
        paths.append("sequence" in ctx[3])  # the whole-sequence loop's trace
        grads = tape_module.Gradients(cell.trainable_weights)
        grad_x, grad_states = recurrence.run_backward(
            cell, ctx, upstream.astype(np.float32), list(upstream_states), grads, True)
        results.append([output, *finals, grad_x, *grad_states,
                        *(grads.get(w) for w in cell.trainable_weights)])
    assert paths == [True, False]
    for fast, stepped in zip(*results, strict=True):
        np.testing.assert_allclose(fast, stepped, rtol=2e-6, atol=2e-6)


DROPOUT_GRADIENT_CELLS = {
    "lstm_mask_per_gate": lambda: layers.LSTMCell(3, implementation=1, **F64),
    "lstm_one_mask": lambda: layers.LSTMCell(3, implementation=2, **F64),
    "gru_mask_per_gate": lambda: layers.GRUCell(3, implementation=1, **F64),
    "gru_reset_before_one_mask": lambda: layers.GRUCell(3, reset_after=False, **F64),
    "simple_rnn": lambda: layers.SimpleRNNCell(3, **F64),
}


@pytest.mark.parametrize("make", list(DROPOUT_GRADIENT_CELLS.values()),
                         ids=list(DROPOUT_GRADIENT_CELLS))
@pytest.mark.parametrize("masked", [True, False], ids=["masked", "unmasked"])
def test_whole_sequence_gradients_with_dropout_match_finite_differences(make, masked):
    # The whole-sequence loop with given input and recurrent dropout masks (a layer's call
    # would draw new ones each time), in float64: the gradients of the inputs, the initial
    # states and every weight against central differences of the same loop.
    from minikeras.core import tape as tape_module
    from minikeras.layers.rnn import recurrence

    cell = make()
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 2, 4))  # time-major
    states = [rng.normal(size=(2, cell.units)) for _ in range(cell._state_count)]
    cell(x[0], states if len(states) > 1 else states[0])
    masks = tuple((rng.random((cell._mask_count(), 2, n)) > 0.3) / 0.7 for n in (4, cell.units))
    mask = SEQUENCE_MASK if masked else None
    upstream = rng.normal(size=(6, 2, cell.units))
    upstream_states = [rng.normal(size=s.shape) for s in states]

    def objective(x=x, states=states):
        output, finals, _ = recurrence.run(cell, x, [s.copy() for s in states], mask, masks,
                                           True, False)
        return float(np.sum(output * upstream)
                     + sum(np.sum(f * u) for f, u in zip(finals, upstream_states)))

    with GradientTape():
        _, _, ctx = recurrence.run(cell, x, [s.copy() for s in states], mask, masks, True, False)
    assert "sequence" in ctx[3]  # the whole-sequence loop's trace
    grads = tape_module.Gradients(cell.trainable_weights)
    grad_x, grad_states = recurrence.run_backward(cell, ctx, upstream, list(upstream_states),
                                                  grads, True)
    np.testing.assert_allclose(grad_x, finite_difference(lambda v: objective(x=v), x),
                               rtol=1e-6, atol=1e-7)
    for i, grad in enumerate(grad_states):
        def objective_state(value, i=i):
            return objective(states=[value if j == i else s for j, s in enumerate(states)])

        np.testing.assert_allclose(grad, finite_difference(objective_state, states[i]),
                                   rtol=1e-6, atol=1e-7)
    for variable in cell.trainable_weights:
        def objective_w(value, variable=variable):
            saved = variable.value.copy()
            variable.value[...] = value
            result = objective()
            variable.value[...] = saved
            return result

        np.testing.assert_allclose(grads.get(variable),
                                   finite_difference(objective_w, variable.value.copy()),
                                   rtol=1e-6, atol=1e-7, err_msg=variable.path)


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("options", [
    {}, {"recurrent_dropout": 0.3}, {"dropout": 0.2, "recurrent_dropout": 0.3},
    {"recurrent_dropout": 0.3, "go_backwards": True, "return_sequences": True},
], ids=["plain", "recurrent_dropout", "both_dropouts", "backwards_sequences"])
@pytest.mark.parametrize("masked", [True, False], ids=["masked", "unmasked"])
def test_built_in_layers_in_fit_take_the_whole_sequence_loop(monkeypatch, name, options,
                                                             masked):
    # Every call of a built-in layer with its default activations, in fit and predict, masked
    # or not, with dropout or not, runs the cell's whole-sequence loop: the step-by-step one
    # would fail here.
    def no_steps(*args, **kwargs):
        raise AssertionError("the step-by-step loop ran")

    cell_class = getattr(layers, f"{name}Cell")
    monkeypatch.setattr(cell_class, "_step", no_steps)
    monkeypatch.setattr(cell_class, "_step_backward", no_steps)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 5, 3)).astype(np.float32)
    x[:3, 3:] = 0.0  # padding, which Masking hides
    model = mk.Sequential([
        mk.Input((5, 3)), *([layers.Masking()] if masked else []),
        getattr(layers, name)(4, seed=1, **options), layers.Flatten(), layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, rng.normal(size=(8, 2)), batch_size=4, epochs=1, verbose=0)
    model.predict(x, verbose=0)


# ----------------------------------------------------------------------------------------------
# Behaviour


def test_masked_steps_hold_the_state_and_repeat_the_output():
    layer = layers.GRU(3, return_sequences=True, return_state=True)
    x = cases.inputs()
    sequence, state = layer(x, mask=cases.MASK)
    # Sample 0's steps 2 and 4 are masked: its outputs there repeat those of steps 1 and 3.
    np.testing.assert_array_equal(sequence[0, 2], sequence[0, 1])
    np.testing.assert_array_equal(state[0], sequence[0, 3])
    # Sample 1's first step is masked: zeros (no previous output).
    np.testing.assert_array_equal(sequence[1, 0], np.zeros(3))
    # A masked step is as if it were not there.
    np.testing.assert_allclose(layer(x[:1, [0, 1, 3]])[1], state[:1], atol=1e-6)


def test_stateful_layers_carry_their_states_until_reset():
    layer = layers.LSTM(3, stateful=True)
    x = cases.inputs()
    whole = layers.LSTM(3)
    whole(np.concatenate([x, x], axis=1))
    layer(x)
    layer.set_weights(whole.get_weights())
    layer.reset_states()
    layer(x)
    np.testing.assert_allclose(layer(x), whole(np.concatenate([x, x], axis=1)), atol=1e-6)
    assert [tuple(s.shape) for s in layer.states] == [(2, 3), (2, 3)]
    assert len(layer.weights) == 3  # states are not weights (nor saved), as in Keras
    layer.reset_states()
    np.testing.assert_array_equal(layer.states[0].numpy(), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="the batch size of the input sequences must be the same"):
        layer(x[:1])
    with pytest.raises(ValueError, match="the batch size must be static"):
        mk.Sequential([mk.Input((5, 3)), layers.LSTM(2, stateful=True)])


def test_dropout_is_seeded_applies_in_training_only_and_is_one_mask_per_call():
    def make():
        return layers.LSTM(4, dropout=0.5, recurrent_dropout=0.3, seed=7,
                           return_sequences=True)

    first, second = make(), make()
    x = cases.inputs()
    first(x)
    second(x)
    second.set_weights(first.get_weights())
    np.testing.assert_array_equal(first(x, training=True), second(x, training=True))
    np.testing.assert_array_equal(first(x), second(x))  # inference: no dropout
    assert not np.allclose(first(x, training=True), first(x))
    assert first.cell.implementation == 1  # recurrent dropout implies a mask per gate


def test_keras2_configs_load():
    """tf_keras writes `time_major` and `implementation`; Keras 3 refuses the former."""
    config = {"class_name": "LSTM", "config": {
        "name": "lstm", "trainable": True, "dtype": "float32", "return_sequences": True,
        "return_state": False, "go_backwards": False, "stateful": False, "unroll": False,
        "time_major": True, "units": 2, "activation": "tanh", "recurrent_activation": "sigmoid",
        "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform",
                                                 "config": {"seed": None}},
        "recurrent_initializer": {"class_name": "Orthogonal", "config": {"gain": 1.0}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "unit_forget_bias": True,
        "kernel_regularizer": None, "recurrent_regularizer": None, "bias_regularizer": None,
        "activity_regularizer": None, "kernel_constraint": None, "recurrent_constraint": None,
        "bias_constraint": None, "dropout": 0.0, "recurrent_dropout": 0.0, "implementation": 1}}
    layer = layers.deserialize(config)
    assert layer.time_major and layer.cell.implementation == 1
    x = cases.inputs()
    batch_major = layers.LSTM(2, return_sequences=True)
    batch_major(x)
    layer(x.transpose(1, 0, 2))
    layer.set_weights(batch_major.get_weights())
    np.testing.assert_allclose(layer(x.transpose(1, 0, 2)).transpose(1, 0, 2), batch_major(x),
                               atol=1e-6)
    assert layer.get_config()["time_major"] is True
    assert "time_major" not in batch_major.get_config()


@pytest.mark.parametrize("kwargs, error, message", [
    ({"units": 0}, ValueError, "Received an invalid value for argument `units`, expected a "
                               "positive integer, got 0."),
    ({"units": 2, "use_cudnn": "yes"}, ValueError, "Invalid valid received for argument "
                                                   "`use_cudnn`"),
    ({"units": 2, "foo": 1}, ValueError, "Unrecognized keyword arguments passed to LSTM"),
])
def test_bad_arguments_are_refused_as_keras_refuses_them(kwargs, error, message):
    with pytest.raises(error, match=message):
        layers.LSTM(**kwargs)


def test_wrappers_refuse_what_keras_refuses():
    with pytest.raises(ValueError, match="Invalid merge mode. Received: foo"):
        layers.Bidirectional(layers.LSTM(2), merge_mode="foo")
    with pytest.raises(ValueError, match="should have different `go_backwards` value"):
        layers.Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match="Please initialize `TimeDistributed` layer"):
        layers.TimeDistributed("dense")
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layers.GRU(2)(np.ones((2, 3)))


def test_time_distributed_steps_through_layers_with_state():
    """A layer with non-trainable state is called step by step (as Keras does): its result is
    the per-step one."""
    inner = layers.Dense(2)
    wrapped = layers.TimeDistributed(inner)
    x = cases.inputs()
    np.testing.assert_allclose(wrapped(x), np.stack([inner(x[:, t]) for t in range(5)], 1),
                               atol=1e-6)
    assert wrapped.compute_output_shape((None, 5, 3)) == (None, 5, 2)


def test_output_shapes_and_masks():
    lstm = layers.LSTM(4, return_sequences=True, return_state=True)
    assert lstm.compute_output_shape((None, 5, 3)) == ((None, 5, 4), (None, 4), (None, 4))
    outputs = lstm(cases.inputs(), mask=cases.MASK)
    np.testing.assert_array_equal(outputs[0]._keras_mask, cases.MASK)
    assert getattr(outputs[1], "_keras_mask", None) is None
    both = layers.Bidirectional(layers.GRU(2, return_sequences=True), merge_mode=None)
    assert both.compute_output_shape((None, 5, 3)) == [(None, 5, 2), (None, 5, 2)]
    assert layers.Bidirectional(layers.GRU(2)).compute_output_shape((None, 5, 3)) == (None, 4)


@pytest.mark.parametrize("make", [
    lambda: layers.SimpleRNNCell(3, **F64),
    lambda: layers.LSTMCell(3, **F64),
    lambda: layers.GRUCell(3, **F64),
    lambda: layers.GRUCell(3, reset_after=False, **F64),
    lambda: layers.StackedRNNCells([layers.LSTMCell(2, **F64), layers.GRUCell(3, **F64)], **F64),
], ids=["simple_rnn", "lstm", "gru", "gru_reset_before", "stacked"])
def test_a_cell_called_alone_steps_with_its_gradient(make):
    """`cell(x, states)` is one step: the layer's first step, with the same gradient."""
    cell = make()
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3))
    sizes = tree.flatten(cell.state_size)
    states = [rng.normal(size=(2, s)) for s in sizes]
    nested = _nest(cell, states)
    output, new_states = cell(x, nested)
    sequence = layers.RNN(cell, return_state=True, **F64)(x[:, None], initial_state=states)
    np.testing.assert_allclose(output, sequence[0], atol=1e-12)
    for state, reference in zip(tree.flatten(new_states), tree.flatten(sequence[1:]), strict=True):
        np.testing.assert_allclose(state, reference, atol=1e-12)
    upstream = rng.normal(size=np.shape(output))

    def objective(value, index):
        values = [x, *states]
        values[index] = value
        return float(np.sum(np.asarray(cell(values[0], _nest(cell, values[1:]))[0]) * upstream))

    with GradientTape() as tape:
        tape.watch([x, *states])
        total = ops.sum(cell(x, nested)[0] * upstream)
    grads = tape.gradient(total, [x, *states])
    for index, value in enumerate([x, *states]):
        np.testing.assert_allclose(
            grads[index], finite_difference(lambda v, i=index: objective(v, i), value),
            rtol=1e-6, atol=1e-7)


def _nest(cell, flat):
    """Flat states as a cell takes them (a StackedRNNCells: one list per cell)."""
    if isinstance(cell, layers.StackedRNNCells):
        out, start = [], 0
        for c in cell.cells:
            count = len(tree.flatten(c.state_size))
            out.append(list(flat[start:start + count]))
            start += count
        return out
    return list(flat)
