"""A batch's work in parts (`core.parallel`): the slices, the sharing, and the same numbers
from a convolutional model whether its batch runs whole, in parts, or in parts on two threads."""

import threading

import numpy as np
import pytest

from minikeras import Sequential, backend, layers
from minikeras.core import parallel


@pytest.mark.parametrize("items, item_bytes, threads, expected", [
    (128, 1000, 1, [(0, 128)]),  # 128 kB: one part
    (128, 1 << 16, 1, [(0, 32), (32, 64), (64, 96), (96, 128)]),  # 8 MB: four of 2 MB
    (128, 1000, 2, [(0, 64), (64, 128)]),  # small, but two threads share it
    # 10 MB: five parts of 2 MB, made six for two threads
    (10, 1 << 20, 2, [(0, 1), (1, 3), (3, 5), (5, 6), (6, 8), (8, 10)]),
    (3, 1 << 21, 2, [(0, 1), (1, 2), (2, 3)]),  # three parts of 2 MB: no more than the items
    (1, 1 << 30, 2, [(0, 1)]),
])
def test_parts_are_cache_sized_and_a_multiple_of_the_threads(items, item_bytes, threads,
                                                             expected):
    with parallel.sharing(threads):
        slices = parallel.parts(items, item_bytes)
    assert [(s.start, s.stop) for s in slices] == expected


def test_run_keeps_order_and_shares_only_from_the_thread_that_opened_the_block():
    seen = []

    def record(part):
        seen.append(threading.get_ident())
        return part.start

    slices = [slice(i, i + 1) for i in range(6)]
    with parallel.sharing(2):
        assert parallel.run(record, slices) == list(range(6))
        assert len(set(seen)) == 2  # this thread and one worker
        seen.clear()
        other = threading.Thread(target=lambda: parallel.run(record, slices))
        other.start()
        other.join()
        assert len(set(seen)) == 1  # another thread runs its parts in turn
    seen.clear()
    parallel.run(record, slices)
    assert seen == [threading.get_ident()] * 6  # outside a block: in turn, here


def test_a_part_s_exception_reaches_the_caller():
    def fail(part):
        if part.start == 3:
            raise ValueError("part 3")
        return part.start

    with parallel.sharing(2), pytest.raises(ValueError, match="part 3"):
        parallel.run(fail, [slice(i, i + 1) for i in range(4)])


def test_rowwise_is_the_function_itself():
    x = np.random.default_rng(0).normal(size=(64, 1 << 14)).astype("float32")  # 4 MB
    with parallel.sharing(2):
        np.testing.assert_array_equal(parallel.rowwise(np.tanh, x), np.tanh(x))
        small = x[:2, :10]
        assert parallel.rowwise(np.tanh, small).shape == small.shape


def _convnet(seed):
    model = Sequential([
        layers.Input((12, 12, 3)),
        layers.Conv2D(8, 3, activation="relu", padding="same"),
        layers.MaxPooling2D(2),
        layers.Conv2D(6, 3, activation="tanh", groups=2),
        layers.AveragePooling2D(2, padding="same"),
        layers.DepthwiseConv2D(2, depth_multiplier=2),
        layers.Flatten(),
        layers.Dense(4, activation="softmax"),
    ])
    model.compile("adam", "categorical_crossentropy")
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") * 0.3
                       for w in model.get_weights()])
    return model


@pytest.mark.parametrize("threads, part_bytes", [(1, 20_000), (2, 20_000), (2, 1 << 30)])
def test_a_convnet_trains_to_the_same_weights_in_parts_and_threads(threads, part_bytes,
                                                                   monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 12, 12, 3)).astype("float32")
    y = np.eye(4, dtype="float32")[rng.integers(0, 4, 40)]
    whole = _convnet(2)
    whole.fit(x, y, batch_size=20, epochs=2, verbose=0, shuffle=False)
    monkeypatch.setattr(parallel, "PART_BYTES", part_bytes)
    monkeypatch.setattr(backend, "threads_that_can_run", lambda: threads)
    spy = []
    monkeypatch.setattr(parallel, "run", lambda fn, s, run=parallel.run: spy.append(len(s))
                        or run(fn, s))
    shared = _convnet(2)
    shared.fit(x, y, batch_size=20, epochs=2, verbose=0, shuffle=False)
    assert max(spy) > 1  # the batch was cut
    for a, b in zip(whole.get_weights(), shared.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(shared.predict(x, verbose=0), whole.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("activation", ["relu", "elu", "tanh", "gelu"])
def test_a_convolution_s_own_activation_trains_byte_for_byte_as_one_applied_after_it(
        activation):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(16, 7, 7, 2)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 16)]

    def trained(fuse):
        backend.clear_session(free_memory=False)
        backend.set_random_seed(5)
        conv = layers.Conv2D(4, 3, activation=activation)
        assert conv._fuses_activation
        if not fuse:  # as any other activation: by `Layer.call`, after forward
            conv._fuses_activation, conv._activation_after_forward = False, True
        model = Sequential([layers.Input((7, 7, 2)), conv, layers.Flatten(),
                            layers.Dense(3, activation="softmax")])
        model.compile("adam", "categorical_crossentropy")
        model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        return [w.tobytes() for w in model.get_weights()], model.predict(x, verbose=0).tobytes()

    assert trained(True) == trained(False)


def test_only_built_in_elementwise_activations_are_fused():
    assert layers.Conv2D(2, 3, activation="relu")._fuses_activation
    for activation in ("softmax", "sigmoid", "linear", None, lambda x: x * 2, "log_softmax"):
        conv = layers.Conv2D(2, 3, activation=activation)
        assert not conv._fuses_activation
    # Layers with a forward of their own apply the activation after it.
    assert not layers.Conv2DTranspose(2, 3, activation="relu")._fuses_activation
    assert not layers.DepthwiseConv2D(3, activation="relu")._fuses_activation
