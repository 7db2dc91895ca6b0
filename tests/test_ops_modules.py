"""`minikeras.ops` in Keras 3's modules: each function lives in the module Keras keeps it in
(`ops.numpy`, `ops.nn`, `ops.linalg`, ...), is the same object as `ops.<name>`, and the import
hook answers `keras.ops.nn` with `minikeras.ops.nn`."""

import importlib
import json
import sys

import pytest

from conftest import COMPAT_DATA
from minikeras import compat, ops

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
