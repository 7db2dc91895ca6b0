"""Issue 11's layers against Keras 3: outputs, output masks, losses and moving statistics on
fixed inputs and weights (compat/make_layer_outputs.py, cases in tests/layer_output_cases.py),
and the behaviours around them: training-only noise and its gradient, BatchNormalization's
frozen and inference modes, masks through a model, Keras 2's spellings, argument errors."""

import json
import warnings

import numpy as np
import pytest

import minikeras as mk
from conftest import COMPAT_DATA, finite_difference, training_gradients
import integer_layer_cases
from layer_output_cases import CASES, run_case
from minikeras import GradientTape, layers, ops

REFERENCE = np.load(COMPAT_DATA / "layer_outputs.npz")


@pytest.mark.parametrize("name", list(CASES))
def test_outputs_masks_losses_and_moving_statistics_match_keras(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rms_scaling's deprecation
        ours = run_case(mk, name)
    theirs = {key.split("/", 1)[1]: REFERENCE[key] for key in REFERENCE.files
              if key.split("/", 1)[0] == name}
    assert sorted(ours) == sorted(theirs)
    for key, expected in theirs.items():
        if expected.dtype == bool or expected.dtype.kind == "i":
            np.testing.assert_array_equal(ours[key], expected, err_msg=key)
        else:
            np.testing.assert_allclose(ours[key], expected, rtol=1e-5, atol=1e-6, err_msg=key)


# ----------------------------------------------------------------------------------------------
# Noise: training only, seeded, with the gradient of what was drawn


@pytest.mark.parametrize("layer, mean, std", [
    (layers.GaussianNoise(0.5, seed=1), 0.0, 0.5),          # x + N(0, 0.5^2) on x = 0
    (layers.GaussianDropout(0.2, seed=1), 1.0, 0.5),        # x * N(1, 0.2 / 0.8) on x = 1
])
def test_gaussian_layers_draw_their_noise_in_training_only(layer, mean, std):
    x = np.full((400, 50), 1.0 if mean else 0.0, np.float32)
    np.testing.assert_array_equal(layer(x), x)
    y = np.asarray(layer(x, training=True))
    assert abs(y.mean() - mean) < 0.01 and abs(y.std() - std) < 0.01
    again = type(layer).from_config(layer.get_config())
    np.testing.assert_array_equal(again(x, training=True), y)  # the seed fixes the draws


def test_alpha_dropout_keeps_mean_and_variance_and_spatial_dropout_drops_channels():
    x = np.random.default_rng(0).normal(size=(2000, 50)).astype(np.float32)
    y = np.asarray(layers.AlphaDropout(0.3, seed=2)(x, training=True))
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.02
    saturated = -1.6732632423543772 * 1.0507009873554805
    a = ((1 - 0.3) * (1 + 0.3 * saturated**2)) ** -0.5
    assert abs(np.mean(np.isclose(y, a * saturated - a * saturated * 0.3)) - 0.3) < 0.01
    images = np.ones((50, 4, 4, 8), np.float32)
    dropped = np.asarray(layers.SpatialDropout2D(0.5, seed=3)(images, training=True))
    per_channel = dropped.reshape(50, 16, 8)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))  # whole maps at once
    assert set(np.unique(dropped)) == {0.0, 2.0}
    first = np.asarray(layers.SpatialDropout2D(0.5, "channels_first", seed=3)(
        images, training=True)).reshape(50, 4, 32)
    assert np.all(first.min(axis=2) == first.max(axis=2))


_SATURATION = -1.6732632423543772 * 1.0507009873554805  # SELU's: AlphaDropout's dropped value


def _alpha_dropout(stream, x, rate, noise_shape=None):
    kept = (stream.random(noise_shape or x.shape, dtype=np.float32) >= rate).astype(x.dtype)
    a = ((1 - rate) * (1 + rate * _SATURATION**2)) ** -0.5
    b = -a * _SATURATION * rate
    return a * (x * kept + _SATURATION * (1 - kept)) + b, kept * x.dtype.type(a)


def _gaussian(stream, x, mean, stddev):
    noise = stream.standard_normal(x.shape, dtype=np.float32).astype(x.dtype)
    noise *= x.dtype.type(stddev)
    noise += x.dtype.type(mean)
    return noise


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make, expected", [
    (lambda dtype: layers.AlphaDropout(0.3, seed=4, dtype=dtype),
     lambda stream, x: _alpha_dropout(stream, x, 0.3)),
    (lambda dtype: layers.AlphaDropout(0.3, noise_shape=(None, 1), seed=4, dtype=dtype),
     lambda stream, x: _alpha_dropout(stream, x, 0.3, (x.shape[0], 1))),
    (lambda dtype: layers.GaussianNoise(0.3, seed=4, dtype=dtype),
     lambda stream, x: (x + _gaussian(stream, x, 0.0, 0.3), None)),
    (lambda dtype: layers.GaussianDropout(0.3, seed=4, dtype=dtype),
     lambda stream, x: (lambda n: (x * n, n))(_gaussian(stream, x, 1.0, (0.3 / 0.7) ** 0.5))),
], ids=["alpha_dropout", "alpha_dropout_noise_shape", "gaussian_noise", "gaussian_dropout"])
def test_noise_layers_draw_their_seeded_stream_bit_for_bit_one_result_per_call(make, expected,
                                                                               dtype):
    """Every call's output and context are the closed form of the seeded generator's stream,
    to the bit (signed zeros, infinities and NaN inputs included), the first call's untouched
    by the second's, and the same in four threads at once (AlphaDropout draws through the
    per-thread scratch of `layers/regularization/draws.py`; the Gaussian ones must not keep
    their noise there: GaussianDropout's backward needs it)."""
    import threading

    x = np.random.default_rng(0).normal(size=(64, 33)).astype(dtype)
    x.flat[:60] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40] * 10  # some dropped, some kept
    bits = lambda a: None if a is None else (a.dtype, a.shape, a.tobytes())
    layer, stream = make(dtype), np.random.default_rng(4)
    with np.errstate(invalid="ignore"):
        first, second = layer.forward(x, training=True), layer.forward(x, training=True)
        for got in (first, second):
            assert [bits(a) for a in got] == [bits(a) for a in expected(stream, x)]
        outs = {}

        def run(n):
            mine = make(dtype)
            outs[n] = [bits(mine.forward(x, training=True)[0]) for _ in range(20)]

        threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    alone = make(dtype)
    with np.errstate(invalid="ignore"):
        want = [bits(alone.forward(x, training=True)[0]) for _ in range(20)]
    assert all(outs[n] == want for n in outs)


@pytest.mark.parametrize("layer", [
    layers.GaussianNoise(0.3, seed=4), layers.GaussianDropout(0.3, seed=4),
    layers.AlphaDropout(0.3, seed=4), layers.SpatialDropout1D(0.3, seed=4),
])
def test_noise_gradient_is_that_of_the_drawn_map(layer):
    """The noise of one training call is fixed: y = a * x + b entry by entry, so the gradient
    of sum(u * y) is u * (y(x + 1) - y(x)) for that call's draw (checked against the tape)."""
    rng = np.random.default_rng(5)
    x, u = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 4, 5))
    layer = type(layer).from_config({**layer.get_config(), "dtype": "float64"})
    with GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        total = ops.sum(y * u)
    grad = tape.gradient(total, x)
    replay = type(layer).from_config(layer.get_config())  # the same seed: the same draw
    slope = np.asarray(replay(x + 1.0, training=True)) - np.asarray(y.value)
    np.testing.assert_allclose(grad, u * slope, rtol=1e-10, atol=1e-12)


# ----------------------------------------------------------------------------------------------
# BatchNormalization's modes


def test_batch_norm_moves_statistics_once_per_training_call_and_not_when_frozen():
    layer = layers.BatchNormalization(momentum=0.5)
    x = np.random.default_rng(0).normal(2.0, 3.0, size=(64, 2)).astype(np.float32)
    layer(x)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), [0, 0])  # inference: no update
    layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.5 + 0.5 * x.var(0), rtol=1e-6)
    layer.trainable = False
    before = layer.get_weights()
    frozen = layer(x, training=True)  # Keras 3: a frozen layer runs in inference mode
    for a, b in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(frozen, layer(x), rtol=1e-6)


def test_batch_norm_in_fit_updates_statistics_each_step_and_predict_uses_them():
    model = mk.Sequential([mk.Input((3,)), layers.BatchNormalization(momentum=0.0)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(1).normal(5.0, 2.0, size=(32, 3)).astype(np.float32)
    model.fit(x[:16], x[:16], batch_size=16, verbose=0)
    norm = model.layers[0]
    np.testing.assert_allclose(norm.moving_mean.numpy(), x[:16].mean(0), rtol=1e-5)
    np.testing.assert_allclose(norm.moving_variance.numpy(), x[:16].var(0), rtol=1e-5)
    expected = norm.gamma.numpy() * (x - x[:16].mean(0)) / np.sqrt(
        x[:16].var(0) + 1e-3) + norm.beta.numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-4, atol=1e-5)


def test_masked_batch_norm_gradients_match_finite_differences():
    layer = layers.BatchNormalization(dtype="float64", gamma_initializer="random_normal")
    rng = np.random.default_rng(2)
    x, u = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 4, 3))
    mask = np.array([[1, 1, 0, 0], [1, 0, 1, 1]], bool)

    def objective(value):
        return float(np.sum(u * np.asarray(layer(value, training=True, mask=mask))))

    with GradientTape() as tape:
        tape.watch(x)
        total = ops.sum(layer(x, training=True, mask=mask) * u)
    grads = tape.gradient(total, [x, *layer.trainable_weights])
    np.testing.assert_allclose(grads[0], finite_difference(objective, x), rtol=1e-6, atol=1e-7)
    gamma = layer.gamma

    def objective_gamma(value):
        saved = gamma.value.copy()
        gamma.value[...] = value
        result = objective(x)
        gamma.value[...] = saved
        return result

    np.testing.assert_allclose(grads[1], finite_difference(objective_gamma, gamma.numpy()),
                               rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------------------------
# Masks and integer inputs through a model


def text_model(dtype="float32"):
    return mk.Sequential([
        mk.Input((6,), dtype="int32"),
        layers.Embedding(10, 3, mask_zero=True, dtype=dtype),
        layers.Dense(4, activation="tanh", dtype=dtype),
        layers.GlobalAveragePooling1D(dtype=dtype),
        layers.Dense(2, dtype=dtype),
    ])


def test_a_mask_from_embedding_reaches_pooling_through_dense_in_every_path():
    model = text_model()
    x = np.array([[1, 2, 0, 0, 0, 0], [3, 4, 5, 0, 0, 0]] * 40, np.int32)
    embedding, dense, _, head = model.layers
    hidden = np.tanh(embedding.embeddings.numpy()[x] @ dense.kernel.numpy() + dense.bias.numpy())
    kept = (x != 0)[..., None]
    pooled = (hidden * kept).sum(1) / kept.sum(1)
    expected = pooled @ head.kernel.numpy() + head.bias.numpy()
    np.testing.assert_allclose(model(x), expected, rtol=1e-5, atol=1e-6)
    # predict's later batches take a shorter path than the first: the mask follows it too
    np.testing.assert_allclose(model.predict(x, batch_size=16, verbose=0), expected, rtol=1e-5,
                               atol=1e-6)
    assert embedding(x[:1])._keras_mask.tolist() == [[True, True, False, False, False, False]]


def test_masked_embedding_pooling_gradients_match_finite_differences():
    model = text_model("float64")
    model.compile("sgd", "mse")
    x = np.array([[1, 2, 0, 0, 0, 0], [3, 4, 5, 9, 0, 0], [7, 0, 0, 0, 0, 0]], np.int32)
    y = np.random.default_rng(3).normal(size=(3, 2))
    _, grads = training_gradients(model, x, y)
    for variable, grad in zip(model.trainable_variables, grads):
        def loss_at(value, variable=variable):
            saved = variable.value.copy()
            variable.value[...] = value
            loss = float(np.mean((np.asarray(model(x)) - y) ** 2))
            variable.value[...] = saved
            return loss

        np.testing.assert_allclose(grad, finite_difference(loss_at, variable.numpy()),
                                   rtol=1e-6, atol=1e-8, err_msg=variable.path)
    rows = np.asarray(grads[0])
    assert np.all(rows[[0, 6, 8]] == 0)  # padding and unseen tokens get no gradient


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output_dim", [4, 3])  # columns scattered in pairs, and one odd
@pytest.mark.parametrize("index_dtype", ["int32", "int64"])
def test_embedding_gradient_sums_every_lookup_of_a_row(dtype, output_dim, index_dtype):
    """The scatter-add against a plain loop: rows looked up many times (in one call and in
    two calls of the same layer) get the sum, negative indices count as np.take reads them."""
    layer = layers.Embedding(5, output_dim, dtype=dtype)
    rng = np.random.default_rng(7)
    first = np.array([[0, 3, 3, -1], [3, 1, 0, 3]], index_dtype)
    second = rng.choice([0, 1, 3, 4, -2], (3, 4)).astype(index_dtype)  # -2 is row 3
    upstream = [rng.normal(size=(*x.shape, output_dim)).astype(dtype) for x in (first, second)]
    with GradientTape() as tape:
        outputs = [layer(first), layer(second)]
        loss = ops.sum(outputs[0] * upstream[0]) + ops.sum(outputs[1] * upstream[1])
    grad = np.asarray(tape.gradient(loss, layer.embeddings))
    expected = np.zeros((5, output_dim))
    for x, g in zip((first, second), upstream):
        for row, update in zip(x.reshape(-1), g.reshape(-1, output_dim)):
            expected[row] += update
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-6)
    assert np.all(grad[2] == 0)  # never looked up


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("output_dim", [16, 8, 3])  # words of eight flags, one word, any()
def test_embedding_scatter_skipping_zero_rows_changes_no_bit(dtype, output_dim):
    """With `mask_zero` the scatter leaves out the all-zero gradient rows: bit for bit the
    scatter of every row, with +0 and -0 rows skipped, -0, NaN and inf inside kept rows,
    rows looked up many times, and negative ids."""
    from minikeras.layers.core.embedding import _scatter_add

    rng = np.random.default_rng(11)
    rows = rng.choice([0, 0, 0, 1, 2, 5, -1, -6, 7], 400)
    updates = rng.normal(size=(400, output_dim)).astype(dtype)
    updates[rows == 0] = 0.0
    updates[::7] = -0.0
    updates[3::11, 0] = -0.0  # negative zeros inside rows that are kept
    nan_row, inf_row, minus_inf_row = np.flatnonzero((rows != 0) & (np.arange(400) % 7 != 0))[:3]
    updates[nan_row, -1], updates[inf_row, 0], updates[minus_inf_row, 0] = np.nan, np.inf, -np.inf
    for skipping in (False, True):
        table = np.zeros((8, output_dim), dtype)
        _scatter_add(table, rows, updates, skip_zero_rows=skipping)
        if skipping:
            assert table.tobytes() == every.tobytes()
        every = table
    expected = np.zeros((8, output_dim), dtype)
    for row, update in zip(rows, updates):  # numpy's order: each row's lookups in turn
        expected[row] += update
    assert every.tobytes() == expected.tobytes()
    assert np.signbit(every[0]).sum() == 0  # all its updates were ±0: +0, as summed


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("output_dim", [4, 3])  # float16 x 3: not filled 16 bytes at a time
def test_embedding_gradient_buffer_is_zeroed_before_the_scatter(dtype, output_dim):
    """The kept gradient buffer (fit's, holding the last step's gradient) is refilled with +0
    before the scatter, also where it held -0 or NaN; rows not looked up stay +0."""
    from minikeras.core.tape import Gradients

    layer = layers.Embedding(6, output_dim, mask_zero=True, dtype=dtype)
    layer.build()
    ids = np.array([[1, 3, 0], [3, 0, 0]])
    upstream = np.random.default_rng(2).normal(size=(2, 3, output_dim)).astype(dtype)
    upstream[ids == 0] = 0
    variable = layer.embeddings
    for stale in (np.nan, -0.0, 7.0):
        buffers = {id(variable): np.full((6, output_dim), stale, dtype)}
        grads = Gradients([variable], buffers)
        layer.backward(layer.forward(ids)[1], upstream, grads)
        gradient = grads.get(variable)
        assert gradient is buffers[id(variable)]
        expected = np.zeros((6, output_dim), dtype)
        expected[1] = upstream[0, 0]
        expected[3] = upstream[0, 1] + upstream[1, 0]
        assert gradient.tobytes() == expected.tobytes()


def test_embedding_ids_keep_their_meaning_when_cast_once():
    """Ids become numpy's index type once, in the lookup: every integer dtype reads the same
    rows, floats are truncated, negative ids count from the end and ids out of range raise."""
    table = np.arange(15, dtype=np.float32).reshape(5, 3)
    layer = layers.Embedding(5, 3, weights=[table], mask_zero=True)
    for dtype in ("int8", "uint8", "int32", "uint32", "int64", "uint64"):
        ids = np.array([[4, 0, 1]], dtype)
        np.testing.assert_array_equal(layer(ids), table[[[4, 0, 1]]])
        assert type(layer(ids)._keras_mask) is mk.core.tensor.Tensor  # with `.numpy()`
        assert layer(ids)._keras_mask.tolist() == [[True, False, True]]
    np.testing.assert_array_equal(layer(np.array([[-1, -5, 3.9]])), table[[[4, 0, 3]]])
    for bad in ([[5]], [[-6]]):
        with pytest.raises(IndexError, match="out of bounds"):
            layer(np.array(bad))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_masked_average_pooling_gradient_is_keras_3s(data_format, keepdims):
    """Keras 3 pools `where(mask, x, 0)` summed over the count: the gradient is the output's
    over the count at kept steps, 0 elsewhere, also where the output's is NaN or inf and in a
    sample with no kept step."""
    layer = layers.GlobalAveragePooling1D(data_format, keepdims=keepdims)
    mask = np.array([[1, 0, 1, 1, 0], [0, 0, 0, 0, 0], [0, 1, 0, 0, 0], [1, 1, 1, 1, 1]], bool)
    x = np.random.default_rng(5).normal(size=(4, 5, 3)).astype("float32")
    if data_format == "channels_first":
        x = x.transpose(0, 2, 1).copy()
    upstream = np.random.default_rng(6).normal(size=(4, 3)).astype("float32")
    upstream[2, 1], upstream[3, 0] = np.nan, np.inf
    if keepdims:
        upstream = upstream[:, None, :] if data_format == "channels_last" else upstream[..., None]
    with GradientTape() as tape:
        tape.watch(x)
        outputs = layer(x, mask=mask)
        loss = ops.sum(outputs * upstream)
    grad = np.asarray(tape.gradient(loss, x))
    counts = mask.sum(1).astype("float32")[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = upstream.reshape(4, 3) / counts
    expected = np.where(mask[..., None], share[:, None, :], np.float32(0))
    if data_format == "channels_first":
        expected = expected.transpose(0, 2, 1)
    np.testing.assert_array_equal(grad, expected)


def test_global_max_pooling_counts_masked_steps_as_keras_3_does():
    """Keras 3's GlobalMaxPooling1D takes no mask: padded steps take part in the max."""
    table = np.array([[5.0], [1.0], [2.0]], np.float32)
    model = mk.Sequential([mk.Input((3,)), layers.Embedding(3, 1, mask_zero=True, weights=[table]),
                           layers.GlobalMaxPooling1D()])
    np.testing.assert_array_equal(model(np.array([[1, 2, 0]])), [[5.0]])


def test_embedding_takes_integer_or_float_indices_and_its_initial_weights():
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    layer = layers.Embedding(4, 3, weights=[table])
    np.testing.assert_array_equal(layer(np.array([[3, 1]])), table[[[3, 1]]])
    np.testing.assert_array_equal(layer(np.array([[2.7, 0.2]])), table[[[2, 0]]])
    assert getattr(layer(np.array([[0]])), "_keras_mask", None) is None  # no mask_zero
    assert layer.compute_output_shape((None, 5)) == (None, 5, 3)


# ----------------------------------------------------------------------------------------------
# Keras 2's spellings and configs


def test_keras2_configs_and_arguments_are_accepted():
    with pytest.warns(UserWarning, match="Argument `alpha` is deprecated"):
        assert layers.LeakyReLU(alpha=0.1).negative_slope == 0.1
    with pytest.warns(UserWarning, match="Argument `input_length` is deprecated"):
        layers.Embedding(10, 3, input_length=5)
    norm = layers.deserialize({"class_name": "BatchNormalization", "config": {
        "name": "bn", "axis": [3], "fused": None, "virtual_batch_size": None,
        "momentum": 0.9}})
    assert norm.axis == 3 and norm.momentum == 0.9
    spatial = layers.deserialize({"class_name": "SpatialDropout1D", "config": {
        "name": "s", "trainable": True, "dtype": "float32", "rate": 0.1, "noise_shape": None,
        "seed": None}})
    assert spatial.rate == 0.1
    relu = layers.deserialize({"class_name": "ThresholdedReLU", "config": {"theta": 0.5}})
    np.testing.assert_allclose(relu(np.array([[0.4, 0.6]])), [[0.0, 0.6]])


def test_legacy_h5_files_give_tf_keras_the_arguments_it_knows(tmp_path):
    """tf_keras' LeakyReLU takes `alpha`, and knows no `rms_scaling` or ZeroPadding1D
    `data_format`: minikeras' .h5 model config says what tf_keras reads (compat/
    check_our_files.py checks tf_keras loading it)."""
    import h5py

    model = mk.Sequential([mk.Input((3, 2)), layers.ZeroPadding1D(1), layers.LeakyReLU(0.2),
                           layers.LayerNormalization()])
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5") as f:
        entries = json.loads(f.attrs["model_config"])["config"]["layers"]
    configs = {entry["class_name"]: entry["config"] for entry in entries}
    assert configs["LeakyReLU"]["alpha"] == 0.2 and "negative_slope" not in configs["LeakyReLU"]
    assert "data_format" not in configs["ZeroPadding1D"]
    assert "rms_scaling" not in configs["LayerNormalization"]
    loaded = mk.models.load_model(tmp_path / "m.h5")
    x = np.random.default_rng(0).normal(size=(2, 3, 2)).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


# ----------------------------------------------------------------------------------------------
# Argument errors (Keras 3's types and messages)


@pytest.mark.parametrize("make, error, message", [
    (lambda: layers.BatchNormalization(renorm=True), ValueError, "renorm=False"),
    (lambda: layers.BatchNormalization(virtual_batch_size=8), ValueError,
     "Received: virtual_batch_size=8"),
    (lambda: layers.BatchNormalization(axis=[1, 2]), ValueError, "single axis"),
    (lambda: layers.LayerNormalization(axis="x"), TypeError,
     "Expected an int or a list/tuple of ints for the argument 'axis'"),
    (lambda: layers.GroupNormalization(0), ValueError, "Received: groups=0"),
    (lambda: layers.GroupNormalization(3)(np.ones((2, 4))), ValueError,
     r"Number of groups \(3\) must be a multiple of the number of channels \(4\)"),
    (lambda: layers.GaussianNoise(2.0), ValueError,
     "Invalid value received for argument `stddev`. Expected a float value between 0 and 1. "
     "Received: stddev=2.0"),
    (lambda: layers.AlphaDropout(-0.1), ValueError, "Received: rate=-0.1"),
    (lambda: layers.ReLU(max_value=-1), ValueError, "max_value of a ReLU layer cannot be a negative"),
    (lambda: layers.LeakyReLU(-0.1), ValueError, "cannot be None or negative value"),
    (lambda: layers.ThresholdedReLU(-1), ValueError, "should be >=0"),
    (lambda: layers.Embedding(0, 3), ValueError, "`input_dim` must be a positive integer. "
     r"Received: input_dim=0 \(of type int\)"),
    (lambda: layers.RepeatVector(2.0), TypeError, "Expected an integer value for `n`"),
    (lambda: layers.Permute((1, 3)), ValueError, "Invalid permutation argument `dims`"),
    (lambda: layers.ZeroPadding1D((1, 2, 3)), ValueError,
     r"The `padding` argument must be a tuple of 2 integers. Received padding=\(1, 2, 3\)"),
    (lambda: layers.Cropping1D(-1), ValueError, "that do not satisfy `value >= 0`"),
    (lambda: layers.Cropping1D(2)(np.ones((1, 4, 2))), ValueError,
     "must be smaller than the input length"),
    (lambda: layers.UpSampling1D(0), ValueError, "Argument `size` should be a positive integer"),
    (lambda: layers.GlobalAveragePooling1D(data_format="nchw"), ValueError,
     "The `data_format` argument must be one of"),
    (lambda: layers.GlobalMaxPooling1D()(np.ones((2, 3))), ValueError,
     "expected ndim=3, found ndim=2"),
    (lambda: layers.BatchNormalization()(np.ones((2, 3)), mask=np.ones((2, 3), bool)),
     ValueError, "The mask provided should be one dimension less than the inputs"),
])
def test_bad_arguments_are_refused_as_keras_refuses_them(make, error, message):
    with pytest.raises(error, match=message):
        make()


INTEGER_REFERENCE = np.load(COMPAT_DATA / "integer_layers.npz")


@pytest.mark.parametrize("name", sorted(integer_layer_cases.CASES))
def test_layers_that_move_values_keep_integers_as_keras(name):
    expected = INTEGER_REFERENCE[name]
    got = integer_layer_cases.run_case(mk, name)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_a_model_keeps_integers_through_flatten_across_batches():
    model = mk.Sequential([mk.Input((2, 3), dtype="int32"), layers.Flatten()])
    x = np.arange(70 * 6, dtype="int32").reshape(70, 2, 3)
    out = model.predict(x, batch_size=32, verbose=0)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, x.reshape(70, 6))


@pytest.mark.parametrize("build", [
    lambda: mk.Sequential([mk.Input((2, 3)), layers.Flatten()]),
    lambda: mk.Sequential([layers.Flatten()]),
    lambda: mk.Model(*(lambda i: (i, layers.Flatten()(i)))(mk.Input((2, 3)))),
])
def test_a_float_input_makes_integer_data_floats_before_flatten(build):
    """Keras 3 gives float32 for each of these models on uint8 data (checked under the
    oracle): the model's float `Input` casts, though Flatten alone keeps integers."""
    x = np.arange(12, dtype="uint8").reshape(2, 2, 3)
    model = build()
    for out in (model.predict(x, verbose=0), np.asarray(model(x))):
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, x.reshape(2, 6).astype("float32"))
