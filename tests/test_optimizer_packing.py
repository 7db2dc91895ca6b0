"""Packed updates (optimizers/packing.py): in `fit`, an elementwise rule runs once over flat
arrays of all the weights, and gives the numbers the update of each weight on its own gives,
bit for bit; where the packing does not hold, each weight is updated on its own."""

import pickle
import tracemalloc

import numpy as np
import pytest

import minikeras as keras
from minikeras import backend
from minikeras.optimizers import base, packing
from test_optimizers import ARRAYS, CASES, STEPS, TOLERANCE, gradients, make, model_variables

RNG = np.random.default_rng(0)
X = RNG.random((96, 6), dtype=np.float32)
Y = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, 96)]
PACKABLE = [case for case in CASES if packing.packable(make(case))]


@pytest.fixture
def packed_updates(monkeypatch):
    """The number of packed `update_step` calls made so far."""
    calls = []
    update_step = packing.PackedView.update_step
    monkeypatch.setattr(packing.PackedView, "update_step",
                        lambda self, *args: (calls.append(1), update_step(self, *args)))
    return calls


def trained(optimizer, packed, monkeypatch, epochs=3, callbacks=None, x=X, y=Y, layers=None):
    monkeypatch.setattr(packing, "ENABLED", packed)
    keras.utils.set_random_seed(3)
    model = keras.Sequential(layers() if layers else [
        keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(4, activation="softmax")])
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=16, verbose=0, callbacks=callbacks)
    return model


def state(model):
    return model.get_weights() + [v.numpy() for v in model.optimizer.variables]


def assert_same_state(a, b):
    for mine, theirs in zip(state(a), state(b), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_the_elementwise_rules_are_those_packed():
    # Ftrl is not flagged; Lamb's and Adafactor's norms and means, and Muon's matrix products,
    # read whole variables.
    unpacked = {"Ftrl", "Lamb", "Adafactor", "Muon"}
    assert set(PACKABLE) == {case for case in CASES if CASES[case]["class_name"] not in unpacked}

    class Mine(keras.optimizers.Adam):
        def update_step(self, gradient, variable, learning_rate):
            super().update_step(gradient, variable, learning_rate)

    assert not packing.packable(Mine())  # a user's rule may read anything


@pytest.mark.parametrize("case", list(CASES))
def test_a_packed_fit_gives_the_numbers_of_updates_per_variable(case, monkeypatch,
                                                                packed_updates):
    per_variable = trained(make(case), False, monkeypatch)
    assert not packed_updates
    packed = trained(make(case), True, monkeypatch)
    assert_same_state(packed, per_variable)
    steps = 3 * 6
    if case not in PACKABLE:
        assert not packed_updates and packed.optimizer._packing is False
    elif "accumulation" in case:
        assert len(packed_updates) == steps // 2
    else:
        assert len(packed_updates) == steps
    kernel, bias = packed.layers[0].kernel.value, packed.layers[0].bias.value
    assert (kernel.base is not None and kernel.base is bias.base) == (case in PACKABLE)


@pytest.mark.parametrize("case", PACKABLE)
def test_a_fit_packed_in_many_chunks_gives_the_numbers_of_updates_per_variable(case,
                                                                             monkeypatch):
    monkeypatch.setattr(packing, "CHUNK_SIZE", 16)  # the 92 weights in 6 chunks
    per_variable = trained(make(case), False, monkeypatch)
    chunked = trained(make(case), True, monkeypatch)
    assert [len(unit[1]) for unit in chunked.optimizer._packing.chunks] == [16] * 5 + [12]
    assert_same_state(chunked, per_variable)


def test_a_chunk_fits_in_the_l2_cache(monkeypatch):
    assert packing._l2_cache_bytes() > 0  # read from the system, or 1 MB where it does not say
    monkeypatch.setattr(packing, "_l2_cache_bytes", lambda: 2 << 20)
    assert packing._chunk_size(5 * 4) == 1 << 16  # RMSprop's 5 float32 arrays: 1.3 of 2 MB
    monkeypatch.setattr(packing, "_l2_cache_bytes", lambda: 1 << 20)
    assert packing._chunk_size(5 * 4) == 1 << 15
    assert packing._chunk_size(6 * 8) == 1 << 14  # Adam's 6 arrays in float64
    monkeypatch.setattr(packing, "_l2_cache_bytes", lambda: 0)
    assert packing._chunk_size(5 * 4) == packing._MIN_CHUNK


def test_each_thread_updates_chunks_with_scratch_of_its_own(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    monkeypatch.setattr(packing, "CHUNK_SIZE", 16)
    optimizer = trained("rmsprop", True, monkeypatch, 1).optimizer
    first, last = optimizer._packing.chunks[0][0], optimizer._packing.chunks[-1][0]
    mine = [first._scratch[0], last._scratch[0]]
    with ThreadPoolExecutor(1) as worker:
        theirs = worker.submit(lambda: first._scratch[0]).result()
    assert [len(a) for a in mine[0]] == [16, 16] and [len(a) for a in mine[1]] == [12, 12]
    assert all(np.shares_memory(a, b) for a, b in zip(*mine))  # one set for all chunks
    assert not any(np.shares_memory(a, b) for a in mine[0] for b in theirs)


@pytest.mark.parametrize("case", PACKABLE)
def test_packed_updates_follow_keras_step_by_step(case):
    optimizer = make(case)
    variables = model_variables()
    optimizer._fit_gradient_buffers(variables)  # packs, as fit's first step does
    assert variables[0].value.base is variables[1].value.base
    for step in range(STEPS):
        grads = gradients(step)  # not in the packed buffers: copied in
        originals = [g.copy() for g in grads]
        assert optimizer._units(grads, variables)[0][0] is not optimizer
        optimizer.apply(grads, variables)
        for variable, name in zip(variables, ("kernel", "bias")):
            np.testing.assert_allclose(
                variable.value, ARRAYS[f"{case}/{name}"][step], rtol=0, atol=TOLERANCE,
                err_msg=f"{case}: {name} after step {step + 1}")
        for grad, original in zip(grads, originals):
            np.testing.assert_array_equal(grad, original)
    for index, variable in enumerate(optimizer.variables):
        np.testing.assert_allclose(variable.value, ARRAYS[f"{case}/var{index}"], rtol=1e-5,
                                   atol=TOLERANCE)


class Rebind(keras.callbacks.Callback):
    """Rebinds the first kernel's value to a copy of itself after the third batch."""

    def on_train_batch_end(self, batch, logs=None):
        if self.model.optimizer.iterations.value == 3:
            kernel = self.model.layers[0].kernel
            kernel.value = kernel.value.copy()
            self.rebound = kernel.value.copy()


@pytest.mark.parametrize("case", ["adam", "sgd_momentum", "rmsprop_centered"])
def test_a_weight_rebound_mid_training_is_updated_per_variable_from_then_on(
        case, monkeypatch, packed_updates):
    per_variable = trained(make(case), False, monkeypatch, callbacks=[Rebind()])
    assert not packed_updates
    rebind = Rebind()
    packed = trained(make(case), True, monkeypatch, callbacks=[rebind])
    assert len(packed_updates) == 3 and packed.optimizer._packing is False
    assert not np.array_equal(packed.layers[0].kernel.value, rebind.rebound)  # still trained
    assert_same_state(packed, per_variable)


def test_a_rebound_slot_is_noticed_too(monkeypatch, packed_updates):
    class RebindSlot(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                slot = self.model.optimizer._velocities[2]
                slot.value = slot.value.copy()

    per_variable = trained("adam", False, monkeypatch, callbacks=[RebindSlot()])
    packed = trained("adam", True, monkeypatch, callbacks=[RebindSlot()])
    assert len(packed_updates) == 2
    assert_same_state(packed, per_variable)


def test_weight_decay_sparing_some_weights_is_updated_per_variable(monkeypatch,
                                                                   packed_updates):
    def adamw():
        optimizer = keras.optimizers.AdamW(learning_rate=0.05, weight_decay=0.3)
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        return optimizer

    per_variable = trained(adamw(), False, monkeypatch)
    packed = trained(adamw(), True, monkeypatch)
    assert not packed_updates
    assert_same_state(packed, per_variable)


def test_slots_made_for_other_variables_leave_the_weights_unpacked(monkeypatch):
    class Partial(keras.optimizers.Adam):
        def build(self, variables):
            super().build(variables)
            self._extra = self.add_optimizer_variables(variables[:1], "extra")

    model = trained(Partial(), True, monkeypatch, 1)
    assert model.optimizer._packing is False
    assert model.layers[0].kernel.value.base is None


class Scale(keras.layers.Layer):
    """A user's layer: its weight's gradient comes from the taped ops, in an array of its own."""

    def build(self, input_shape):
        self.w = self.add_weight(shape=input_shape[-1:], initializer="ones")

    def call(self, x):
        return x * self.w


@pytest.mark.parametrize("size, copied", [(6, True), (packing.COPY_IN_MAX_SIZE + 1, False)])
def test_a_gradient_outside_its_buffer_is_copied_in_if_small(size, copied, monkeypatch,
                                                             packed_updates):
    x = RNG.random((32, size), dtype=np.float32)
    y = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, 32)]

    def layers():
        return [keras.Input((size,)), Scale(), keras.layers.Dense(4, activation="softmax")]

    per_variable = trained("rmsprop", False, monkeypatch, 2, x=x, y=y, layers=layers)
    packed = trained("rmsprop", True, monkeypatch, 2, x=x, y=y, layers=layers)
    assert len(packed_updates) == (4 if copied else 0)
    assert packed.optimizer._packing  # packed all the same
    assert_same_state(packed, per_variable)


def test_each_dtype_is_packed_on_its_own(monkeypatch, packed_updates):
    def layers():
        return [keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                keras.layers.Dense(4, activation="softmax", dtype="float64")]

    per_variable = trained("nadam", False, monkeypatch, layers=layers)
    packed = trained("nadam", True, monkeypatch, layers=layers)
    assert len(packed_updates) == 2 * 3 * 6
    first, last = packed.layers[0].kernel.value, packed.layers[1].kernel.value
    assert (first.dtype, last.dtype) == (np.float32, np.float64)
    assert first.base is packed.layers[0].bias.value.base is not last.base
    assert_same_state(packed, per_variable)


@pytest.mark.parametrize("case", PACKABLE)
def test_a_packed_update_split_over_two_threads_gives_the_same_numbers(case, monkeypatch,
                                                                      packed_updates):
    x = RNG.random((64, 520), dtype=np.float32)  # 520 x 512 weights: over SPLIT_MIN_SIZE
    y = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, 64)]
    split_ways = []
    monkeypatch.setattr(backend, "blas_threads_for", lambda batch_size, width: 2)
    monkeypatch.setattr(base._SplitTrial, "next_is_split", lambda self: True)
    monkeypatch.setattr(base._SplitTrial, "record",
                        lambda self, split, seconds: split_ways.append(split))

    def layers():
        return [keras.Input((520,)), keras.layers.Dense(512, activation="relu"),
                keras.layers.Dense(4, activation="softmax")]

    split = trained(make(case), True, monkeypatch, 1, x=x, y=y, layers=layers)
    chunks = len(split.optimizer._packing.chunks)
    assert chunks > 2  # the worker takes about half
    assert split_ways and all(split_ways) and len(packed_updates) == chunks * len(split_ways)
    monkeypatch.setattr(base, "SPLIT_MIN_SIZE", 10**12)
    serial = trained(make(case), True, monkeypatch, 1, x=x, y=y, layers=layers)
    assert_same_state(split, serial)


def test_a_packed_fit_step_allocates_nothing_parameter_sized(monkeypatch):
    monkeypatch.setattr(packing, "ENABLED", True)
    model = keras.Sequential([keras.Input((256,)), keras.layers.Dense(256, activation="relu"),
                              keras.layers.Dense(4, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    x, y = np.ones((8, 256), np.float32), np.eye(4, dtype=np.float32)[[0, 1] * 4]
    model.train_on_batch(x, y)  # builds and packs
    assert model.optimizer._packing
    tracemalloc.start()
    model.train_on_batch(x, y)
    model.train_on_batch(x, y)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < model.layers[0].kernel.value.nbytes / 4, f"{peak} bytes allocated by a step"


def test_a_packed_model_saves_loads_and_trains_on_the_same(tmp_path, monkeypatch):
    model = trained("adam", True, monkeypatch, 2)
    path = tmp_path / "packed.keras"
    model.save(path)
    again = keras.models.load_model(path)
    assert_same_state(again, model)
    for each in (model, again):
        keras.utils.set_random_seed(5)  # the same shuffles
        each.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    assert again.optimizer._packing
    assert_same_state(again, model)


def test_a_packed_optimizer_pickles_without_its_flat_arrays(monkeypatch):
    def layers():
        return [keras.Input((6,)), keras.layers.Dense(256), keras.layers.Dense(4)]

    optimizer = trained("adam", True, monkeypatch, 1, layers=layers).optimizer
    assert optimizer._packing
    again = pickle.loads(pickle.dumps(optimizer))
    for mine, theirs in zip(optimizer.variables, again.variables, strict=True):
        np.testing.assert_array_equal(mine.value, theirs.value)
        assert not isinstance(theirs.value.base, np.ndarray)  # not a view of a flat array
    assert not again._packing and not again._tape_gradients
    # As large as the unpacked copy's (a flat array of 2.8k weights would be 11 kB more).
    assert abs(len(pickle.dumps(optimizer)) - len(pickle.dumps(again))) < 100


class ChangeHyperparameters(keras.callbacks.Callback):
    """Sets the rule's hyperparameters anew after each batch, as a user's callback may."""

    def on_train_batch_end(self, batch, logs=None):
        optimizer = self.model.optimizer
        for name, value in (("beta_1", 0.5 + 0.04 * batch), ("beta_2", 0.9 + 0.005 * batch),
                            ("epsilon", 1e-7 * (batch + 1)), ("momentum", 0.5 + 0.04 * batch),
                            ("rho", 0.8 + 0.01 * batch)):
            if getattr(optimizer, name, 0):  # (a momentum of 0 made no slots)
                setattr(optimizer, name, value)


@pytest.mark.parametrize("case", ["adam", "nadam", "sgd_momentum", "rmsprop_centered_momentum"])
def test_a_hyperparameter_changed_between_steps_reaches_the_packed_update(
        case, monkeypatch, packed_updates):
    """The packed view copies the optimizer's attributes before each update: a value set
    since the last update is the one used, as when each variable is updated on its own."""
    per_variable = trained(make(case), False, monkeypatch, callbacks=[ChangeHyperparameters()])
    packed = trained(make(case), True, monkeypatch, callbacks=[ChangeHyperparameters()])
    assert len(packed_updates) == 3 * 6
    assert_same_state(packed, per_variable)
    unchanged = trained(make(case), True, monkeypatch)
    assert not all(np.array_equal(a, b) for a, b in zip(state(unchanged), state(packed)))


def test_an_update_may_split_where_fit_shares_its_work_between_threads():
    from minikeras.core import parallel

    optimizer = keras.optimizers.Adam()
    with backend.blas_threads(1):
        assert not base._split_update(optimizer)
        with parallel.sharing(2):  # a convnet's fit: BLAS at one thread, parts shared
            assert base._split_update(optimizer)
