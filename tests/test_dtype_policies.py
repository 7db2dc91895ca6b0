"""Dtype policies (`keras.DTypePolicy`, `keras.config.set_dtype_policy`, `keras.mixed_precision`)
and the dtypes layers report, against Keras 3's answers (`compat/make_dtype_policies.py`)."""

import json
import pathlib
import threading

import numpy as np
import pytest

import minikeras as keras
from minikeras import dtype_policies, mixed_precision

FACTS = json.loads(
    (pathlib.Path(__file__).parent.parent / "compat" / "data" / "dtype_policies.json").read_text()
)
# numpy has no bfloat16; a mixed policy computes in float32 here (its weights' dtype).
NO_NUMPY_DTYPE = {"bfloat16"}
MIXED = {"mixed_float16", "mixed_bfloat16"}


@pytest.fixture(autouse=True)
def _default_policy():
    yield
    keras.utils.clear_session(free_memory=False)


@pytest.mark.parametrize("name", sorted(set(FACTS["policies"]) - NO_NUMPY_DTYPE))
def test_a_policy_says_what_keras_says(name):
    policy = keras.DTypePolicy(name)
    expected = FACTS["policies"][name]
    assert (repr(policy), policy.name, policy.compute_dtype, policy.variable_dtype) == (
        expected["repr"], expected["name"], expected["compute_dtype"], expected["variable_dtype"])
    assert dtype_policies.deserialize(dtype_policies.serialize(policy)) == policy
    assert keras.FloatDTypePolicy(name).name == name


def test_bfloat16_is_refused_as_numpy_has_none():
    with pytest.raises(ValueError, match="bfloat16"):
        keras.DTypePolicy("bfloat16")


def test_serialized_form_and_bad_names_as_keras():
    assert dtype_policies.serialize(keras.DTypePolicy("mixed_float16")) == FACTS["serialized"]
    for bad, (kind, message) in zip(["bogus", 3], FACTS["bad_names"]):
        with pytest.raises({"ValueError": ValueError, "TypeError": TypeError}[kind]) as caught:
            keras.DTypePolicy(bad)
        assert str(caught.value) == message
    with pytest.raises(ValueError) as caught:
        keras.config.set_dtype_policy(3)
    assert str(caught.value) == FACTS["bad_global"][1]


def test_tf_keras_policy_dicts_and_dtypes_are_read():
    legacy = {"class_name": "Policy", "config": {"name": "mixed_float16"}}
    assert dtype_policies.get(legacy) == keras.DTypePolicy("mixed_float16")
    assert dtype_policies.get(np.float64).name == "float64"
    assert dtype_policies.get(np.dtype("int32")).name == "int32"


def test_the_global_policy_reaches_new_layers_and_clear_session_resets_it():
    assert repr(keras.config.dtype_policy()) == FACTS["default_global"]
    mixed_precision.set_global_policy("mixed_float16")
    expected = FACTS["under_mixed_float16"]
    dense = keras.layers.Dense(2)
    assert repr(mixed_precision.global_policy()) == expected["global"]
    assert keras.config.floatx() == expected["floatx"]
    assert dense.dtype == expected["dense_dtype"]
    assert repr(dense.dtype_policy) == expected["dense_policy"]
    assert dense.get_config()["dtype"] == expected["dense_config_dtype"]
    # minikeras computes the mixed policy in float32, and says so
    assert dense.compute_dtype == "float32"
    assert dense(np.ones((1, 3))).dtype == np.float32
    seen = []
    thread = threading.Thread(target=lambda: seen.append(repr(keras.config.dtype_policy())))
    thread.start()
    thread.join()
    assert seen == [FACTS["other_thread_global"]]
    keras.utils.clear_session(free_memory=False)
    assert repr(keras.config.dtype_policy()) == FACTS["after_clear_session"]


def test_a_float64_global_policy_makes_float64_layers_and_round_trips():
    keras.config.set_dtype_policy(keras.DTypePolicy("float64"))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert model.layers[0].kernel.dtype == "float64"
    assert model.predict(np.ones((2, 3)), verbose=0).dtype == np.float64
    config = model.layers[0].get_config()
    keras.utils.clear_session(free_memory=False)
    again = keras.layers.Dense.from_config(config)
    assert again.dtype_policy.name == "float64" and again.dtype == "float64"


def test_a_mixed_policy_survives_a_file(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, dtype="mixed_float16")])
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].dtype_policy.name == "mixed_float16"
    np.testing.assert_array_equal(loaded.predict(np.ones((1, 3)), verbose=0),
                                  model.predict(np.ones((1, 3)), verbose=0))


@pytest.mark.parametrize("name", sorted(FACTS["layers"]))
def test_layers_report_the_dtypes_keras_reports(name):
    expected = FACTS["layers"][name]
    L = keras.layers  # noqa: N806 (the name the recorded sources use)
    layer = eval(expected["source"])  # noqa: S307 (the recorded constructor text)
    policy = layer.dtype_policy.name
    compute = {"compute_dtype", "input_dtype"} if policy in MIXED else set()
    for attribute in {"dtype", "compute_dtype", "variable_dtype", "input_dtype"} - compute:
        assert getattr(layer, attribute) == expected[attribute], attribute
    for attribute in compute:
        assert getattr(layer, attribute) == "float32"
    assert repr(layer.dtype_policy) == expected["policy"]
    assert layer.get_config()["dtype"] == expected["config_dtype"]
    symbolic = expected.get("symbolic")
    if symbolic:
        output = layer(keras.Input(shape=tuple(symbolic["shape"]), dtype=symbolic["dtype"]))
        assert list(output.shape) == symbolic["output_shape"]
        assert output.dtype == symbolic["output_dtype"]


def test_traceback_filtering_flag():
    assert keras.config.is_traceback_filtering_enabled()
    keras.config.disable_traceback_filtering()
    assert not keras.config.is_traceback_filtering_enabled()
    keras.config.enable_traceback_filtering()
    assert keras.config.is_traceback_filtering_enabled()


def test_flash_attention_flag_as_keras_stores_it():
    # Keras 3.15: None by default and after enable (its "let the layer decide"), False after
    # disable; clear_session forgets it.
    assert keras.config.is_flash_attention_enabled() is None
    keras.config.disable_flash_attention()
    assert keras.config.is_flash_attention_enabled() is False
    keras.config.enable_flash_attention()
    assert keras.config.is_flash_attention_enabled() is None
    keras.config.disable_flash_attention()
    keras.backend.clear_session()
    assert keras.config.is_flash_attention_enabled() is None
    assert keras.config.is_nnx_enabled() is False
