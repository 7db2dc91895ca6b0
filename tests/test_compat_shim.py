"""Unmodified Keras scripts on minikeras: the import hook, the `tensorflow` stand-in, Keras 2's
`keras.backend` and spellings, `minikeras run`, the example suite, and docs/api.md.

Expected values come from mathematics or from Keras' documented behaviour; the example suite's
Keras numbers come from compat/data/examples_results.json (written by compat/run_examples.py).
"""

import importlib
import importlib.util
import json
import math
import os
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

import minikeras
from minikeras import autodiff, compat
from minikeras.compat import api_doc, importer

ROOT = pathlib.Path(__file__).resolve().parent.parent
SRC = ROOT / "src"


@pytest.fixture
def shim():
    """The import hook, installed for one test; afterwards no alias may remain."""
    compat.install()
    yield
    compat.uninstall()
    assert not compat.is_installed()
    assert not [n for n in sys.modules if importer.split(n) is not None]


@pytest.fixture
def tf(shim):
    return importlib.import_module("tensorflow")


@pytest.fixture
def K(shim):
    return importlib.import_module("keras.backend")


def _load_runner():
    path = ROOT / "compat" / "run_examples.py"
    spec = importlib.util.spec_from_file_location("run_examples", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------------------------
# The import hook


@pytest.mark.parametrize("module, name, expected", [
    ("keras", "Sequential", minikeras.models.Sequential),
    ("keras", "Loss", minikeras.losses.Loss),
    ("keras.layers", "Dense", minikeras.layers.Dense),
    ("tensorflow.keras.layers", "Dropout", minikeras.layers.Dropout),
    ("tf_keras.models", "load_model", minikeras.models.load_model),
    ("keras.layers.core", "Dense", minikeras.layers.Dense),
    ("keras.layers.advanced_activations", "Softmax", minikeras.layers.Softmax),
    ("keras.optimizers.legacy", "Adam", minikeras.optimizers.Adam),
    ("keras.optimizers.schedules", "ExponentialDecay",
     minikeras.optimizers.schedules.ExponentialDecay),
    ("keras.engine.topology", "Layer", minikeras.layers.Layer),
    ("keras.engine.training", "Model", minikeras.models.Model),
    ("keras.utils.np_utils", "to_categorical", minikeras.utils.to_categorical),
    ("keras.datasets.mnist", "load_data", minikeras.datasets.mnist.load_data),
    ("tensorflow.keras.callbacks", "EarlyStopping", minikeras.callbacks.EarlyStopping),
    ("keras.ops", "sum", minikeras.ops.sum),
    ("keras.config", "floatx", minikeras.backend.floatx),
    ("keras.backend", "epsilon", minikeras.backend.epsilon),
])
def test_keras_module_paths_give_minikeras_objects(shim, module, name, expected):
    alias = importlib.import_module(module)
    assert isinstance(alias, importer.Alias) and alias.__name__ == module
    assert getattr(alias, name) is expected
    assert name in dir(alias)


def test_attribute_paths_and_from_imports_agree(shim):
    # With the shim installed these names are minikeras' stand-ins, never the real libraries.
    import tensorflow as tf
    from keras import backend as K, layers
    from tensorflow import keras

    assert tf.__version__.endswith("+minikeras")

    assert tf.keras is keras and layers is sys.modules["keras.layers"]
    assert tf.keras.layers.Dense is layers.Dense
    assert K is sys.modules["keras.backend"] and K.epsilon() == 1e-7
    assert keras.__version__.startswith("3.") and tf.__version__.startswith("2.")


def test_uninstall_restores_modules_imported_before(monkeypatch):
    earlier = type(sys)("keras")
    monkeypatch.setitem(sys.modules, "keras", earlier)
    with pytest.warns(UserWarning, match="imported before"):
        compat.install()
    try:
        assert importlib.import_module("keras") is not earlier
    finally:
        compat.uninstall()
    assert sys.modules["keras"] is earlier


@pytest.mark.parametrize("statement, error, words", [
    ("tf.distribute", AttributeError, ["tensorflow.distribute", "stand-in"]),
    ("tf.keras.layers.ConvLSTM2D", AttributeError,
     ["tensorflow.keras.layers.ConvLSTM2D", "convolutional recurrent"]),
    ("from tf_keras.applications import ResNet50", ImportError, ["tf_keras.applications"]),
    ("import tensorflow.lite", ImportError, ["tensorflow.lite", "stand-in"]),
    ("from keras.saving import KerasFileEditor", ImportError, ["keras.saving.KerasFileEditor"]),
])
def test_a_missing_symbol_raises_an_error_naming_it(tf, statement, error, words):
    with pytest.raises(error) as caught:
        exec(statement, {"tf": tf})
    message = str(caught.value)
    assert "minikeras does not provide" in message
    assert all(word in message for word in words), message


def test_missing_attributes_stay_attribute_errors(tf):
    assert not hasattr(tf, "distribute") and not hasattr(tf.keras.layers, "ConvLSTM2D")
    with pytest.raises(ModuleNotFoundError):  # a class is not a module, in Keras as here
        importlib.import_module("keras.layers.Dense")


# ----------------------------------------------------------------------------------------------
# The tensorflow stand-in


def _tf_cases(tf):
    log3 = math.log(3.0)
    return [
        (tf.constant(1.5), 1.5, "float32"),
        (tf.constant([1, 2]), [1, 2], "int32"),
        (tf.constant(np.array([1.0])), [1.0], "float64"),
        (tf.constant(2.0, shape=(2,)), [2.0, 2.0], "float32"),
        (tf.convert_to_tensor([0.5], dtype=tf.float64), [0.5], "float64"),
        (tf.ones((2,)), [1.0, 1.0], "float32"),
        (tf.zeros((1, 2), dtype=tf.int32), [[0, 0]], "int32"),
        (tf.linspace(0.0, 1.0, 3), [0.0, 0.5, 1.0], "float32"),
        (tf.range(5), [0, 1, 2, 3, 4], "int32"),
        (tf.range(1, 10, 3), [1, 4, 7], "int32"),
        (tf.reduce_sum([[1.0, 2.0], [3.0, 4.0]], axis=1), [3.0, 7.0], "float32"),
        (tf.reduce_mean([[1.0, 2.0], [3.0, 4.0]]), 2.5, "float32"),
        (tf.math.reduce_max([[1.0, 5.0], [3.0, 4.0]], axis=0), [3.0, 5.0], "float32"),
        (tf.nn.softmax([0.0, log3]), [0.25, 0.75], "float32"),
        (tf.nn.relu([-1.0, 2.0]), [0.0, 2.0], "float32"),
        (tf.nn.sigmoid(0.0), 0.5, "float32"),
        (tf.math.log1p(0.0), 0.0, "float32"),
        (tf.square([3.0]), [9.0], "float32"),
        (tf.argmax([[1, 3], [4, 2]]), [1, 0], "int64"),  # TensorFlow's default axis is 0
        (tf.cast([1.7], tf.int32), [1], "int32"),
        (tf.one_hot([0, 2], 3), [[1, 0, 0], [0, 0, 1]], "float32"),
        (tf.where([True, False, True]), [[0], [2]], "int64"),
        (tf.math.confusion_matrix([0, 1, 1], [0, 1, 0]), [[1, 0], [1, 1]], "int32"),
        (tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0], logits=[0.0]), [math.log(2)],
         "float32"),
        (tf.nn.softmax_cross_entropy_with_logits([[0.0, 1.0]], [[0.0, log3]]),
         [-math.log(0.75)], "float32"),
        (tf.matmul([[1.0, 2.0]], [[3.0, 4.0]], transpose_b=True), [[11.0]], "float32"),
    ]


def test_tensorflow_functions_compute_like_tensorflow(tf):
    for result, expected, dtype in _tf_cases(tf):
        assert isinstance(result, tf.Tensor)
        assert str(result.dtype) == dtype
        np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6, atol=1e-7)
        assert type(result.numpy()) is np.ndarray


def test_tensorflow_settings_and_dtypes(tf):
    assert tf.float32 == np.float32 and tf.int64 == np.int64 and tf.float32.name == "float32"
    assert tf.config.list_physical_devices("GPU") == [] and not tf.test.is_gpu_available()
    tf.config.experimental.set_memory_growth(None, True)  # a no-op, as on a machine without GPU
    tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.ERROR)
    assert tf.executing_eagerly() and tf.function(len)([1, 2]) == 2
    assert tf.function(len).__wrapped__ is len and tf.function(jit_compile=True)(len)("ab") == 2
    tf.random.set_seed(7)
    first = tf.random.normal((3,))
    tf.random.set_seed(7)
    np.testing.assert_array_equal(first.numpy(), tf.random.normal((3,)).numpy())
    assert first.dtype == np.float32


def test_tensorflow_functions_keep_gradients(tf):
    """A Keras 2-era custom loss written with tf.* trains: autodiff sees through it."""
    y, p = np.array([1.0, 2.0, 3.0]), np.array([1.5, 1.0, 3.0])
    value, (grad_y, grad_p) = autodiff.value_and_grad(
        lambda y, p: tf.reduce_mean(tf.square(y - p)), y, p)
    assert value == pytest.approx(np.mean((y - p) ** 2))
    np.testing.assert_allclose(grad_p, 2 * (p - y) / 3)


@pytest.mark.parametrize("module", ["tensorflow", "keras.backend"])
@pytest.mark.parametrize("value, shape, expected", [
    ([1, 2, 3, 4], (2, 2), [[1, 2], [3, 4]]),  # as many values as the shape holds: reshaped
    ([[1, 2], [3, 4]], (4,), [1, 2, 3, 4]),
    ([3], (), 3),
    (5, (2, 3), [[5, 5, 5], [5, 5, 5]]),  # a single value fills the shape
    ([7], (2, 2), [[7, 7], [7, 7]]),
])
def test_constant_with_a_shape_reshapes_or_fills(shim, module, value, shape, expected):
    """tf.constant's rule, which K.constant follows: reshape when the sizes agree, fill with a
    single value, else a TypeError."""
    constant = importlib.import_module(module).constant
    result = constant(value, shape=shape)
    assert result.shape == shape
    np.testing.assert_array_equal(result, expected)
    assert str(result.dtype) == ("int32" if module == "tensorflow" else "float32")  # K: floatx
    assert str(constant(value, dtype="int64", shape=shape).dtype) == "int64"


@pytest.mark.parametrize("module", ["tensorflow", "keras.backend"])
@pytest.mark.parametrize("value, shape, error", [
    ([1, 2], (2, 2), TypeError),
    ([1, 2, 3], (2, 2), TypeError),
    ([1, 2], (), TypeError),
    ([1, 2, 3, 4], (2, -1), ValueError),  # no -1: TensorFlow wants every dimension
])
def test_constant_rejects_a_shape_of_another_size(shim, module, value, shape, error):
    with pytest.raises(error):
        importlib.import_module(module).constant(value, shape=shape)


@pytest.mark.parametrize("name", ["tensorflow.math", "tensorflow.nn", "keras.backend"])
@pytest.mark.parametrize("x, axis, expected", [
    # x / sqrt(max(sum(x**2), 1e-12)): epsilon bounds the squared norm, so 1e-8 / 1e-6.
    ([[1e-8, 0.0]], -1, [[0.01, 0.0]]),
    ([[1e-8, 0.0]], None, [[0.01, 0.0]]),
    ([[3.0, 4.0], [0.0, 2.0]], 1, [[0.6, 0.8], [0.0, 1.0]]),
    ([[3.0, 4.0], [0.0, 2.0]], 0, [[1.0, 4 / math.sqrt(20)], [0.0, 2 / math.sqrt(20)]]),
    ([[0.0, 0.0]], 1, [[0.0, 0.0]]),
])
def test_l2_normalize_bounds_the_squared_norm(shim, name, x, axis, expected):
    l2_normalize = importlib.import_module(name).l2_normalize
    result = l2_normalize(np.array(x, dtype="float32"), axis=axis)
    np.testing.assert_allclose(result, expected, rtol=1e-6)
    assert result.dtype == np.float32
    assert l2_normalize(x, axis).dtype == np.float32  # a list of Python floats, as in TensorFlow


@pytest.mark.parametrize("call, expected, dtype", [
    # tf.cumsum: axis 0 by default; `exclusive` leaves each entry out, `reverse` runs backwards
    (lambda tf: tf.cumsum([[1, 2], [3, 4]]), [[1, 2], [4, 6]], "int32"),
    (lambda tf: tf.math.cumsum([[1, 2], [3, 4]], axis=-1), [[1, 3], [3, 7]], "int32"),
    (lambda tf: tf.cumsum([1, 2, 3], exclusive=True), [0, 1, 3], "int32"),
    (lambda tf: tf.cumsum([1, 2, 3], reverse=True), [6, 5, 3], "int32"),
    (lambda tf: tf.cumsum([1.0, 2.0, 3.0], exclusive=True, reverse=True), [5, 3, 0], "float32"),
    (lambda tf: tf.cumsum([[1, 2], [3, 4]], 1, exclusive=True, reverse=True), [[2, 0], [4, 0]],
     "int32"),
    # tf.math.count_nonzero counts as int64
    (lambda tf: tf.math.count_nonzero([1, 0, 2]), 2, "int64"),
    (lambda tf: tf.math.count_nonzero([[1, 0], [2, 3]], axis=1, keepdims=True), [[1], [2]],
     "int64"),
    (lambda tf: tf.math.count_nonzero([[1, 0], [2, 3]], dtype=tf.int32), 3, "int32"),
    # sort and argsort take a direction; equal values keep their order in both
    (lambda tf: tf.sort([3, 1, 2], direction="DESCENDING"), [3, 2, 1], "int32"),
    (lambda tf: tf.sort([[3, 1], [0, 5]], axis=0, direction="DESCENDING"), [[3, 5], [0, 1]],
     "int32"),
    (lambda tf: tf.argsort([1, 2, 1, 2], direction="DESCENDING"), [1, 3, 0, 2], "int32"),
    (lambda tf: tf.argsort([1, 2, 1, 2]), [0, 2, 1, 3], "int32"),
    (lambda tf: tf.argsort([[1, 2], [2, 1]], axis=0, direction="DESCENDING"), [[1, 0], [0, 1]],
     "int32"),
    (lambda tf: tf.transpose([[1, 2, 3]], perm=[1, 0]), [[1], [2], [3]], "int32"),
    (lambda tf: tf.transpose(np.zeros((2, 3, 4)), perm=[2, 0, 1]), np.zeros((4, 2, 3)),
     "float64"),
    # integers have an integer mean, rounded toward zero
    (lambda tf: tf.reduce_mean([1, 2]), 1, "int32"),
    (lambda tf: tf.reduce_mean([-3, 0]), -1, "int32"),
    (lambda tf: tf.reduce_mean([[1, 2], [4, 7]], axis=1, keepdims=True), [[1], [5]], "int32"),
    (lambda tf: tf.reduce_mean([1.0, 2.0]), 1.5, "float32"),
    # one_hot takes its dtype from on_value (or off_value) when no dtype is given
    (lambda tf: tf.one_hot([0, 1], 2, on_value=5), [[5, 0], [0, 5]], "int32"),
    (lambda tf: tf.one_hot([0, 2], 3, on_value=5, off_value=-1), [[5, -1, -1], [-1, -1, 5]],
     "int32"),
    (lambda tf: tf.one_hot([0, 1], 2, off_value=2), [[1, 2], [2, 1]], "int32"),
    (lambda tf: tf.one_hot([0, 1], 2, on_value=True, off_value=False), [[1, 0], [0, 1]], "bool"),
    (lambda tf: tf.one_hot([0, 1], 2, on_value=5.0, dtype=tf.float64), [[5, 0], [0, 5]],
     "float64"),
    # norm with no axis: all entries as one vector, whatever the rank
    (lambda tf: tf.norm([[1.0, -2.0], [3.0, 4.0]], ord=1), 10.0, "float32"),
    (lambda tf: tf.norm([[1.0, -2.0], [3.0, 4.0]], ord=np.inf), 4.0, "float32"),
    (lambda tf: tf.norm([[1.0, -2.0], [3.0, 4.0]], keepdims=True), [[math.sqrt(30)]], "float32"),
    (lambda tf: tf.norm([[1.0, -2.0], [3.0, 4.0]], ord=1, axis=[0, 1]), 6.0, "float32"),  # matrix
    (lambda tf: tf.norm([[3.0, 4.0], [6.0, 8.0]], axis=1), [5.0, 10.0], "float32"),
])
def test_tensorflow_arguments_and_dtypes(tf, call, expected, dtype):
    result = call(tf)
    assert isinstance(result, tf.Tensor) and str(result.dtype) == dtype
    assert result.shape == np.shape(expected)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("function", ["sort", "argsort"])
def test_sort_direction_must_be_ascending_or_descending(tf, function):
    with pytest.raises(ValueError, match="direction"):
        getattr(tf, function)([3, 1], direction="UP")


def test_tensorflow_fixes_keep_gradients(tf):
    x = np.array([[1.0, -2.0], [3.0, 4.0]])
    weights = np.array([[1.0, 2.0], [3.0, 4.0]])
    cases = [  # (function of x, its gradient)
        (lambda x: tf.reduce_sum(tf.cumsum(x, axis=1, exclusive=True, reverse=True) * weights),
         [[0.0, 1.0], [0.0, 3.0]]),
        (lambda x: tf.reduce_sum(tf.sort(x, direction="DESCENDING") * weights[0]),
         [[1.0, 2.0], [2.0, 1.0]]),
        (lambda x: tf.reduce_sum(tf.transpose(x, perm=[1, 0]) * weights), weights.T),
        (lambda x: tf.norm(x, ord=1), np.sign(x)),
    ]
    for function, expected in cases:
        _, (grad,) = autodiff.value_and_grad(function, x)
        np.testing.assert_allclose(grad, expected)


# ----------------------------------------------------------------------------------------------
# keras.backend as Keras 2 scripts use it


@pytest.mark.parametrize("call, expected", [
    (lambda K: K.sum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1), [3.0, 7.0]),
    (lambda K: K.mean(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=-1), [1.5, 4.0]),
    (lambda K: K.square(np.array([-3.0])), [9.0]),
    (lambda K: K.abs(np.array([-3.0, 2.0])), [3.0, 2.0]),
    (lambda K: K.sqrt(np.array([4.0])), [2.0]),
    (lambda K: K.exp(np.array([0.0])), [1.0]),
    (lambda K: K.log(np.array([1.0])), [0.0]),
    (lambda K: K.clip(np.array([-1.0, 0.5, 2.0]), 0.0, 1.0), [0.0, 0.5, 1.0]),
    (lambda K: K.pow(np.array([2.0]), 3), [8.0]),
    (lambda K: K.argmax(np.array([[1, 3], [4, 2]])), [1, 0]),  # Keras 2: the last axis
    (lambda K: K.concatenate([np.ones((1, 1)), np.zeros((1, 1))]), [[1.0, 0.0]]),
    (lambda K: K.expand_dims(np.array([1.0, 2.0])), [[1.0], [2.0]]),
    (lambda K: K.relu(np.array([-2.0, 1.0, 5.0]), alpha=0.5, max_value=3.0), [-1.0, 1.0, 3.0]),
    (lambda K: K.switch(np.array([True, False]), np.ones(2), np.zeros(2)), [1.0, 0.0]),
    (lambda K: K.int_shape(np.zeros((2, 3))), (2, 3)),
    (lambda K: K.int_shape(minikeras.Input((4,))), (None, 4)),
    (lambda K: K.epsilon(), 1e-7),
    (lambda K: K.floatx(), "float32"),
])
def test_keras2_backend_functions(K, call, expected):
    result = call(K)
    if isinstance(expected, (str, tuple)):
        assert result == expected
    else:
        np.testing.assert_allclose(result, expected, rtol=1e-6)


@pytest.mark.parametrize("call, expected, dtype", [
    (lambda K: K.sqrt(np.array([-1.0, 4.0], dtype="float32")), [0.0, 2.0], "float32"),  # clipped
    (lambda K: K.cumsum(np.array([[1.0, 2.0], [3.0, 4.0]])), [[1.0, 2.0], [4.0, 6.0]],
     "float64"),  # axis 0
    (lambda K: K.cumsum(np.array([[1, 2], [3, 4]]), axis=1), [[1, 3], [3, 7]], "int64"),
    # Keras 2's hard sigmoid: clip(0.2 x + 0.5, 0, 1)
    (lambda K: K.hard_sigmoid(np.array([-3.0, -1.0, 0.0, 1.0, 3.0], dtype="float32")),
     [0.0, 0.3, 0.5, 0.7, 1.0], "float32"),
    # K.clip: None leaves a side open; a maximum below the minimum is raised to it
    (lambda K: K.clip(np.array([-1.0, 0.5, 2.0], dtype="float32"), None, 1.0), [-1.0, 0.5, 1.0],
     "float32"),
    (lambda K: K.clip(np.array([-1.0, 0.5, 2.0], dtype="float32"), 0.0, None), [0.0, 0.5, 2.0],
     "float32"),
    (lambda K: K.clip(np.array([-1.0, 0.5, 2.0], dtype="float32"), 1.0, 0.0), [1.0, 1.0, 1.0],
     "float32"),
    (lambda K: K.argmax(np.array([[1, 3], [4, 2]])), [1, 0], "int64"),
    (lambda K: K.argmin(np.array([[1, 3], [4, 2]]), axis=0), [0, 1], "int64"),
    (lambda K: K.mean(np.array([1, 2])), 1, "int64"),  # tf.reduce_mean's integer mean
    (lambda K: K.mean(np.array([True, False])), 0.5, "float32"),  # booleans as floatx
])
def test_keras2_backend_functions_as_tf_keras(K, call, expected, dtype):
    result = call(K)
    assert str(result.dtype) == dtype and np.shape(result) == np.shape(expected)
    np.testing.assert_allclose(result, expected, rtol=1e-6)


@pytest.mark.filterwarnings("ignore:divide by zero")  # sqrt's own gradient at 0
def test_keras2_backend_sqrt_gives_no_gradient_where_clipped(K):
    x = np.array([1.0, -2.0, 4.0])
    _, (grad,) = autodiff.value_and_grad(lambda x: K.sum(K.sqrt(x)), x)
    np.testing.assert_allclose(grad, [0.5, 0.0, 0.25])


def test_keras2_backend_random_and_values(K):
    draws = K.random_normal((20000,), mean=1.0, stddev=2.0, seed=3)
    assert draws.dtype == np.float32
    assert abs(draws.mean() - 1.0) < 0.05 and abs(draws.std() - 2.0) < 0.05
    optimizer = minikeras.optimizers.Adam(0.01)
    K.set_value(optimizer.learning_rate, 0.5)
    assert K.get_value(optimizer.learning_rate) == np.float32(0.5)
    minikeras.layers.Dense(1)
    K.clear_session()
    assert minikeras.layers.Dense(1).name == "dense"


def test_a_keras2_backend_loss_trains_like_the_builtin(K):
    """`K.mean(K.square(...))` is differentiated: it trains exactly as 'mse' does."""
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    weights = []
    for loss in ("mse", lambda y_true, y_pred: K.mean(K.square(y_pred - y_true), axis=-1)):
        minikeras.utils.set_random_seed(5)
        model = minikeras.Sequential([minikeras.Input((3,)), minikeras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss=loss)
        model.fit(x, y, epochs=2, batch_size=8, verbose=0)
        weights.append(model.get_weights())
    for custom, builtin in zip(*weights):
        np.testing.assert_allclose(custom, builtin, rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------------------------
# Keras 1 and 2 spellings


def _warns(pattern, build):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = build()
    messages = [w for w in caught if pattern in str(w.message)]
    assert messages, [str(w.message) for w in caught]
    assert all(w.filename == __file__ for w in messages)  # the warning points at the caller
    return result


def test_keras1_dense_arguments_are_renamed_with_a_warning():
    layer = _warns("kernel_initializer", lambda: minikeras.layers.Dense(3, init="zeros"))
    assert isinstance(layer.kernel_initializer, minikeras.initializers.Zeros)
    layer = _warns("kernel_regularizer", lambda: minikeras.layers.Dense(
        output_dim=4, W_regularizer=minikeras.regularizers.L2(0.1), bias=False))
    assert layer.units == 4 and not layer.use_bias
    assert isinstance(layer.kernel_regularizer, minikeras.regularizers.L2)
    with pytest.raises(TypeError, match="kernel_initializer"):
        minikeras.layers.Dense(3, init="zeros", kernel_initializer="ones")


def test_keras2_training_spellings_are_accepted_with_a_warning():
    optimizer = _warns("learning_rate", lambda: minikeras.optimizers.RMSprop(lr=0.01))
    assert float(optimizer.learning_rate) == pytest.approx(0.01)
    _warns("decay", lambda: minikeras.optimizers.SGD(decay=0.1))
    model = minikeras.Sequential(
        [_warns("input_dim", lambda: minikeras.layers.Dense(2, input_dim=3))])
    model.compile(optimizer="sgd", loss="mse")
    history = _warns("nb_epoch", lambda: model.fit(
        np.zeros((4, 3)), np.zeros((4, 2)), nb_epoch=3, verbose=0))
    assert len(history.history["loss"]) == 3


# ----------------------------------------------------------------------------------------------
# minikeras run


def _run(tmp_path, source, *args):
    script = tmp_path / "script.py"
    script.write_text(source)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "minikeras", "run", str(script), *args],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)


def test_run_gives_the_script_what_python_would(tmp_path):
    (tmp_path / "sibling.py").write_text("VALUE = 42\n")
    done = _run(tmp_path, """
import json, os, sys
import sibling  # found because the script's folder comes first on sys.path
from tensorflow.keras.layers import Dense
print(json.dumps({"args": sys.argv[1:], "argv0": os.path.basename(sys.argv[0]),
                  "name": __name__, "path0": sys.path[0], "file": __file__,
                  "sibling": sibling.VALUE, "dense": Dense.__module__}))
if __name__ == "__main__":
    sys.exit(3)
""", "a", "--flag", "-x")
    assert done.returncode == 3, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {"args": ["a", "--flag", "-x"], "argv0": "script.py", "name": "__main__",
                    "path0": str(tmp_path), "file": str(tmp_path / "script.py"),
                    "sibling": 42, "dense": "minikeras.layers.dense"}


def test_run_reports_an_exception_as_python_would(tmp_path):
    done = _run(tmp_path, "def f():\n    raise ValueError('boom')\nf()\n")
    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last):")
    assert 'script.py", line 3' in done.stderr and "runpy" not in done.stderr
    assert done.stderr.rstrip().endswith("ValueError: boom")


def test_run_exit_codes(tmp_path):
    assert _run(tmp_path, "import sys\nsys.exit('bad input')\n").returncode == 1
    assert _run(tmp_path, "pass\n").returncode == 0
    missing = subprocess.run([sys.executable, "-m", "minikeras", "run", str(tmp_path / "no.py")],
                             capture_output=True, text=True, cwd=SRC, timeout=60)
    assert missing.returncode == 2 and "can't open file" in missing.stderr


# ----------------------------------------------------------------------------------------------
# The example suite


SANE = {  # what each example must reach even in its 2-epoch quick run
    "binary_classification.py": lambda r: r["test_accuracy"] > 0.6,
    "custom_regularizer_constraint.py": lambda r: (
        r["test_accuracy"] > 0.7 and r["smallest_weight"] >= 0 and r["penalty_error"] < 1e-5
        and r["custom_vs_builtin"] < 1e-5 and r["same_predictions"]
        and r["reloaded_strength"] == 0.001),
    "mnist_convnet.py": lambda r: r["test_accuracy"] > 0.5,
    "mnist_mlp.py": lambda r: r["test_accuracy"] > 0.7,
    "regression_early_stopping.py": lambda r: 0 < r["test_mae"] < 20 and r["epochs_run"] == 2,
    "reuters_mlp.py": lambda r: r["test_accuracy"] > 0.4,
    "tf_data_pipelines.py": lambda r: (
        r["pipeline_test_accuracy"] > 0.7 and r["sequence_test_accuracy"] > 0.7
        and r["sequence_steps_per_epoch"] == r["train_batches"] == 23
        and r["sequence_epoch_ends_at_least_epochs"]),
    "structured_data.py": lambda r: r["test_accuracy"] > 0.65 and r["features"] == 14,
    "structured_data_feature_space.py": lambda r: (
        r["val_accuracy"] > 0.65 and r["features"] == 122 and r["reload_same"]
        and r["thal_vocabulary"] == "normal,reversible,fixed,1,2"),
    "text_bag_of_words.py": lambda r: (
        r["test_accuracy"] > 0.7 and r["vocabulary"] == 45
        and r["positive_score"] > 0.5 > r["negative_score"]),
    "text_classification.py": lambda r: (
        r["test_accuracy"] > 0.7 and r["vocabulary"] == 46
        and r["positive_score"] > r["negative_score"]),
    "imdb_lstm.py": lambda r: (
        r["test_accuracy"] > 0.7 and r["positive_score"] > 0.5 > r["negative_score"]),
    "addition_rnn.py": lambda r: r["test_accuracy"] > 0.25,  # characters, after 2 epochs
    "functional_api.py": lambda r: (
        r["reloaded_same"] and r["mnist_params"] == 55050 and r["ticket_params"] == 35097
        and r["test_accuracy"] > 0.8),
    "save_and_load.py": lambda r: (
        r["test_accuracy"] > 0.7 and r["untrained_accuracy"] < 0.4
        and r["restored_accuracy"] == r["reloaded_accuracy"] == r["softmax_accuracy"]
        and r["same_predictions"] and r["probabilities_sum_to_1"] and r["checkpoints"] == 3),
}
RUNNER = _load_runner()


def test_every_example_has_a_sanity_rule():
    assert sorted(SANE) == sorted([script.name for script in RUNNER.scripts()]
                                  + sorted(RUNNER.PENDING))


@pytest.mark.parametrize("name", sorted(SANE))
def test_example_runs_unmodified_under_minikeras(name):
    result = RUNNER.run(RUNNER.EXAMPLES / name, "minikeras", seed=1, quick=True, timeout=120)
    assert SANE[name](result), result


def test_examples_land_within_noise_of_keras_and_the_docs_show_it():
    """The committed full run (both frameworks, several seeds) agrees, and docs/compat.md
    holds exactly the table made from it."""
    stored = json.loads(RUNNER.RAW.read_text())
    assert sorted(stored["results"]) == sorted(set(SANE) - RUNNER.PENDING)
    rows = RUNNER.rows(stored["results"])
    assert rows and all(row.endswith("| ✓ |") or "(note" in row for row in rows), "\n".join(rows)
    section = RUNNER.section(stored["results"], stored["repeats"], stored["environment"])
    assert section in RUNNER.DOC.read_text()


# ----------------------------------------------------------------------------------------------
# docs/api.md


def test_api_doc_is_up_to_date():
    expected = api_doc.render(ROOT / "compat" / "data" / "keras_api_names.json")
    assert (ROOT / "docs" / "api.md").read_text() == expected, (
        "docs/api.md is out of date: run `PYTHONPATH=src python -m minikeras.compat.api_doc`")
