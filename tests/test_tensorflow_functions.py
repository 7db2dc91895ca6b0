"""The `tensorflow` stand-in's functions against TensorFlow's outputs (values, dtypes, shapes:
compat/make_tensorflow_functions.py), its CPU device answers, and gradients through the tape."""

import json

import numpy as np
import pytest

from conftest import COMPAT_DATA
from minikeras import autodiff
from minikeras.compat import tensorflow as tf

REFERENCE = json.loads((COMPAT_DATA / "tensorflow_functions.json").read_text())


def decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.array(value["array"], dtype=value["dtype"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return getattr(tf, value) if value in ("int32", "float32", "int64") else value


def resolve(path):
    target = tf
    for part in path.split("."):
        target = getattr(target, part)
    return target


def check(result, expected, call):
    if isinstance(expected, list):
        assert len(result) == len(expected), call
        for part, want in zip(result, expected):
            check(part, want, call)
        return
    result = np.asarray(result)
    assert str(result.dtype) == expected["dtype"], call
    assert list(result.shape) == expected["shape"], call
    if expected["values"] is not None:
        np.testing.assert_allclose(result.astype("float64"), np.asarray(expected["values"],
                                   dtype="float64"), rtol=2e-6, atol=1e-6, err_msg=call)


@pytest.mark.parametrize("case", REFERENCE["cases"],
                         ids=[f"{c['call']}-{i}" for i, c in enumerate(REFERENCE["cases"])])
def test_function_matches_tensorflow(case):
    result = resolve(case["call"])(*decode(case["args"]),
                                   **{k: decode(v) for k, v in case["kwargs"].items()})
    check(result, case["result"], case["call"])


def test_devices_are_one_cpu():
    facts = REFERENCE["facts"]
    assert tf.version.VERSION.split(".")[0] == facts["version_major"]
    assert [list(d) for d in tf.config.list_physical_devices()] == facts["physical_devices"]
    assert [list(d) for d in tf.config.list_logical_devices()] == facts["logical_devices"]
    assert tf.config.list_physical_devices("GPU") == facts["gpus"] == []
    assert tf.config.experimental.list_physical_devices("GPU") == []
    with pytest.raises(ValueError, match=facts["memory_growth_error"]):
        tf.config.experimental.set_memory_growth(tf.config.list_physical_devices("CPU")[0], True)
    assert tf.test.is_gpu_available() is False and tf.test.is_built_with_cuda() is False
    with tf.device("/GPU:0"):
        assert float(tf.reduce_sum(tf.ones([2]))) == 2.0
    assert [str(tf.TensorShape([None, 3])), tf.TensorShape([2, 3]).num_elements(),
            str(tf.TensorShape([4]))] == facts["tensor_shape"]
    shape = tf.TensorShape([None, 3])
    assert shape.as_list() == [None, 3] and shape.rank == 2 and not shape.is_fully_defined()
    assert shape == [None, 3] and shape[1:] == tf.TensorShape([3])


def test_initializers_take_tensorflow_defaults():
    values = tf.random_normal_initializer(seed=3)(shape=(2000,))
    assert values.dtype == np.float32 and abs(float(np.std(values)) - 0.05) < 0.005
    uniform = tf.random_uniform_initializer(seed=1)((100,))
    assert float(np.max(np.abs(uniform))) <= 0.05
    assert tf.constant_initializer(2.5)((2,)).tolist() == [2.5, 2.5]
    assert tf.zeros_initializer()((1, 2), dtype=tf.int32).dtype == np.int32
    assert tf.ones_initializer().get_config() == {}


def test_random_statistics():
    counts = np.bincount(np.ravel(tf.random.categorical(np.log([[0.2, 0.8]]), 4000, seed=0)),
                         minlength=2) / 4000
    np.testing.assert_allclose(counts, [0.2, 0.8], atol=0.03)
    assert float(np.max(np.abs(tf.random.truncated_normal([5000], seed=1)))) <= 2.0
    kept = tf.nn.dropout(np.ones(10000, dtype="float32"), rate=0.25, seed=0)
    assert set(np.unique(kept).tolist()) == {0.0, float(np.float32(4 / 3))} and abs(float(np.mean(kept)) - 1) < 0.03


@pytest.mark.parametrize("function", [
    lambda x: tf.reduce_sum(tf.clip_by_norm(x, 1.0)),
    lambda x: tf.reduce_sum(tf.nn.weighted_cross_entropy_with_logits(
        labels=np.array([1.0, 0.0, 1.0], dtype="float32"), logits=x, pos_weight=2.0)),
    lambda x: tf.reduce_sum(tf.math.divide_no_nan(x, np.array([2.0, 0.0, 4.0], "float32"))),
    lambda x: tf.reduce_sum(tf.split(x, [1, 2])[1] ** 2),
    lambda x: tf.reduce_sum(tf.boolean_mask(x, [True, False, True]) * 3.0),
    lambda x: tf.nn.moments(x, axes=[0])[1],
    lambda x: tf.reduce_sum(tf.linalg.matvec(tf.reshape(tf.tile(x, [2]), [2, 3]), x)),
    lambda x: tf.math.reduce_euclidean_norm(x),
    lambda x: tf.reduce_sum(tf.clip_by_global_norm([x, x * 2.0], 1.0)[0][1]),
])
def test_gradients_flow_through_the_tape(function):
    x = np.array([0.5, -1.5, 2.0], dtype="float64")
    _, (grad,) = autodiff.value_and_grad(function, x)
    eps = 1e-6
    numeric = np.array([(float(function(x + eps * e)) - float(function(x - eps * e))) / (2 * eps)
                        for e in np.eye(3)])
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-6)
