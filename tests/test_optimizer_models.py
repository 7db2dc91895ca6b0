"""The optimizers added after the first ones (Lamb, Adafactor, Muon, ScheduleFreeAdamW) in a
compiled model: `fit` trains with them (those whose rule reads whole variables are updated
variable by variable, never packed), and a `.keras` file restores their state so that
training resumes exactly. Their numbers against Keras are in tests/test_optimizers.py."""

import numpy as np
import pytest

import minikeras as mk

# name -> a fresh optimizer (rates at which a few epochs of a tiny model train visibly).
OPTIMIZERS = {
    "lamb": lambda: mk.optimizers.Lamb(0.01),
    "lamb_weight_decay_ema": lambda: mk.optimizers.Lamb(0.01, weight_decay=0.01, use_ema=True),
    "adafactor": lambda: mk.optimizers.Adafactor(0.1),
    "adafactor_clipnorm": lambda: mk.optimizers.Adafactor(0.1, clipnorm=1.0),
    "muon": lambda: mk.optimizers.Muon(0.01),
    "muon_excluded_ema": lambda: mk.optimizers.Muon(0.01, exclude_layers=["dense"],
                                                    use_ema=True),
    "schedule_free": lambda: mk.optimizers.ScheduleFreeAdamW(0.01),
    "schedule_free_warmup": lambda: mk.optimizers.ScheduleFreeAdamW(0.01, warmup_steps=5,
                                                                     weight_decay=0.01),
}
# ScheduleFreeAdamW's rule is elementwise: in fit it runs over the packed weights.
PACKED = {"schedule_free", "schedule_free_warmup"}


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[(x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)]
    return x, y


def compiled(optimizer):
    # A rank-1 bias, a rank-2 kernel and a rank-3 one (EinsumDense): Adafactor factors the last.
    model = mk.Sequential([
        mk.Input((4,)), mk.layers.Dense(6, activation="tanh"), mk.layers.Reshape((2, 3)),
        mk.layers.EinsumDense("abc,bcd->ad", output_shape=3, bias_axes="d"),
        mk.layers.Activation("softmax"),
    ])
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    return model


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_short_fit_lowers_the_loss(name):
    mk.utils.set_random_seed(0)
    model = compiled(OPTIMIZERS[name]())
    x, y = data()
    before = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, batch_size=16, epochs=5, shuffle=False, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] and model.evaluate(x, y, verbose=0) < before
    # The rules that are not elementwise update each variable on its own.
    assert bool(model.optimizer._packing) is (name in PACKED)
    assert int(model.optimizer.iterations) == 20


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_keras_file_restores_the_state_and_training_resumes_exactly(tmp_path, name):
    mk.utils.set_random_seed(0)
    model = compiled(OPTIMIZERS[name]())
    x, y = data()
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = mk.models.load_model(tmp_path / "m.keras")
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    saved = model.optimizer.variables
    for a, b in zip(loaded.optimizer.variables, saved, strict=True):
        assert (a.shape, a.dtype) == (b.shape, b.dtype)
        np.testing.assert_array_equal(a.value, b.value)
    for resumed in (model, loaded):
        resumed.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)



@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_a_pickled_model_resumes_training_exactly(name):
    """The pickle leaves the buffers (Muon's iteration matrices too) and they are remade."""
    import pickle

    mk.utils.set_random_seed(0)
    model = compiled(OPTIMIZERS[name]())
    x, y = data()
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    assert "_ns_buffers" not in model.optimizer.__getstate__()
    again = pickle.loads(pickle.dumps(model))
    for resumed in (model, again):
        resumed.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(again.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
