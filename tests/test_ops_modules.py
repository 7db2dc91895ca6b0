"""`minikeras.ops` in Keras 3's modules: each function lives in the module Keras keeps it in
(`ops.numpy`, `ops.nn`, `ops.linalg`, ...), is the same object as `ops.<name>`, and the import
hook answers `keras.ops.nn` with `minikeras.ops.nn`; and `ops.custom_gradient` on the tape."""

import importlib
import json
import sys

import numpy as np
import pytest

from conftest import COMPAT_DATA
from minikeras import GradientTape, autodiff, compat, ops
from minikeras.layers.base import Variable

KERAS_NAMES = json.loads((COMPAT_DATA / "keras_api_names.json").read_text())["modules"]
SUBMODULES = ["numpy", "nn", "linalg", "image"]


@pytest.mark.parametrize("submodule", SUBMODULES)
def test_each_function_lives_in_its_keras_module_and_is_the_ops_one(submodule):
    module = getattr(ops, submodule)
    exported = getattr(module, "__all__", ["resize"])
    assert set(exported) <= set(KERAS_NAMES[f"ops.{submodule}"])  # Keras' names, no other
    for name in exported:
        assert getattr(module, name) is getattr(ops, name, getattr(module, name)), name


def test_every_ops_function_is_in_one_submodule():
    homes = {}
    for submodule in ("core", "numpy", "nn", "math", "linalg"):
        for name in getattr(ops, submodule).__all__:
            assert getattr(ops, name) is getattr(getattr(ops, submodule), name)
            homes.setdefault(name, []).append(submodule)
    assert sorted(homes) == ops.__all__
    assert {name: where for name, where in homes.items() if len(where) > 1} == {}


def test_the_import_hook_maps_keras_ops_modules_to_minikeras_ops_modules():
    compat.install()
    try:
        for submodule in ("numpy", "nn", "linalg", "math", "image"):
            alias = importlib.import_module(f"keras.ops.{submodule}")
            assert alias.__minikeras__ == (getattr(ops, submodule),)
        assert sys.modules["keras.ops.nn"].relu is ops.relu
        with pytest.raises(ImportError, match="erf"):  # Keras' ops.numpy has no erf either
            from keras.ops.numpy import erf  # noqa: F401
    finally:
        compat.uninstall()


# ----------------------------------------------------------------------------------------------
# custom_gradient: the gradient is grad_fn's, recorded as one node


def _identity_with_gradient(grad_fn_style):
    @ops.custom_gradient
    def identity(x):
        styles = {
            "jax": lambda upstream: upstream * 3.0,
            "tf": lambda *args, upstream=None: (args[0] if upstream is None else upstream) * 3.0,
            "torch": lambda *args, upstream: upstream * 3.0,
        }
        return x, styles[grad_fn_style]

    return identity


@pytest.mark.parametrize("style", ["jax", "tf", "torch"])
def test_custom_gradient_uses_grad_fn_in_each_documented_signature(style):
    identity = _identity_with_gradient(style)
    x = np.array([1.0, -2.0], np.float32)
    variable = Variable(x, name="v")
    with GradientTape() as tape:
        y = identity(variable)
        loss = ops.sum(y * np.float32(2.0))
    np.testing.assert_array_equal(tape.gradient(loss, variable), [6.0, 6.0])  # not 2
    np.testing.assert_array_equal(identity(x), x)


def test_custom_gradient_records_one_node_on_the_inputs():
    calls = []

    @ops.custom_gradient
    def scaled(x, y):
        z = ops.exp(x) * y  # not recorded: f runs on the values

        def grad(upstream):
            calls.append(upstream)
            return upstream * z, upstream * ops.exp(x)

        return z, grad

    a, b = autodiff.Node(np.array([0.5, 1.0])), autodiff.Node(np.array([2.0, 3.0]))
    with GradientTape():
        out = scaled(a, b)
    assert out.op == "scaled" and out.parents == (a, b)
    value, (grad_a, grad_b) = autodiff.value_and_grad(lambda x, y: ops.sum(scaled(x, y)),
                                                      np.array([0.5, 1.0]), np.array([2.0, 3.0]))
    np.testing.assert_allclose(grad_a, np.exp([0.5, 1.0]) * [2.0, 3.0])
    np.testing.assert_allclose(grad_b, np.exp([0.5, 1.0]))
    assert len(calls) == 1
