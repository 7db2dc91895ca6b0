"""Constraints against Keras 3 (compat/data/init_reg_con.*, made by compat/make_init_reg_con.py):
names, configs and outputs on fixed weights."""

import json

import numpy as np
import pytest

from conftest import COMPAT_DATA
from minikeras import constraints

DATA = COMPAT_DATA / "init_reg_con"
REF = json.loads(DATA.with_suffix(".json").read_text())
ARRAYS = np.load(DATA.with_suffix(".npz"))
CASES = REF["cases"]["constraints"]
IDS = [c["id"] for c in CASES]
K3 = REF["k3"]["names"]["constraints"]
K2 = REF["k2"]["names"]["constraints"]
# Keras 2 spellings minikeras also accepts (Keras 3 refuses them).
KERAS2_BEHAVIOUR = {"maxnorm", "nonneg", "unitnorm"}


def make(case):
    return getattr(constraints, case["class"])(**case["kwargs"])


def error_text(fn):
    with pytest.raises(Exception) as info:
        fn()
    return f"{type(info.value).__name__}: {info.value}"


@pytest.mark.parametrize("name", sorted(K3["names"]))
def test_public_names_are_keras3s(name):
    assert getattr(constraints, name).__name__ == K3["names"][name]


@pytest.mark.parametrize("name", sorted(K3["get"]))
def test_get_by_name_matches_keras3(name):
    expected = (K2 if name in KERAS2_BEHAVIOUR else K3)["get"][name]
    if "error" in expected:
        assert error_text(lambda: constraints.get(name)) == expected["error"]
    else:
        obj = constraints.get(name)
        assert type(obj).__name__ == expected["class"]
        assert obj.get_config() == expected["config"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_config_and_serialization_match_keras3(case):
    expected = REF["k3"]["configs"][case["id"]]
    obj = make(case)
    assert list(obj.get_config().items()) == list(expected["config"].items())
    assert json.loads(json.dumps(constraints.serialize(obj))) == expected["serialized"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_config_round_trip_and_keras2_configs(case):
    obj = make(case)
    config = obj.get_config()
    assert type(obj).from_config(config).get_config() == config
    again = constraints.deserialize(json.loads(json.dumps(constraints.serialize(obj))))
    assert type(again) is type(obj) and again.get_config() == config
    k2_config = REF["k2"]["configs"][case["id"]]["config"]
    from_keras2 = constraints.get({"class_name": case["class"], "config": k2_config})
    assert from_keras2.get_config() == config


@pytest.mark.parametrize("weights", ["w2", "w3"])
@pytest.mark.parametrize("index, case", list(enumerate(CASES)), ids=IDS)
def test_outputs_match_keras3(index, case, weights):
    w = ARRAYS[f"con/{weights}"]
    out = make(case)(w)
    assert out.dtype == np.float32 and out.shape == w.shape
    np.testing.assert_allclose(out, ARRAYS[f"con/{index}/{weights}"], rtol=1e-6, atol=1e-7)


def test_norms_land_where_asked():
    w = ARRAYS["con/w2"].astype("float64")
    norms = lambda v: np.sqrt(np.sum(v**2, axis=0))  # noqa: E731 - columns, the default axis
    assert np.all(norms(constraints.MaxNorm(1.5)(w)) <= 1.5 + 1e-9)
    nonzero = norms(w) > 0
    np.testing.assert_allclose(norms(constraints.UnitNorm()(w))[nonzero], 1.0, rtol=1e-6)
    squeezed = norms(constraints.MinMaxNorm(0.5, 2.0)(w))[nonzero]
    assert np.all((squeezed >= 0.5 - 1e-6) & (squeezed <= 2.0 + 1e-6))
    assert constraints.NonNeg()(w).min() == 0.0


def test_get_passes_through_none_and_instances():
    assert constraints.get(None) is None
    instance = constraints.NonNeg()
    assert constraints.get(instance) is instance
    assert isinstance(constraints.get(constraints.UnitNorm), constraints.UnitNorm)
    assert error_text(lambda: constraints.get("foo")) == REF["errors"]["constraint_unknown"]
