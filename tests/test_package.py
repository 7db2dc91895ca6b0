"""The package as a user meets it: a light import and Keras' public map."""

import subprocess
import sys

import pytest


def test_import_loads_neither_scipy_nor_h5py_nor_a_framework():
    code = (
        "import sys, minikeras; "
        "print(sorted(m for m in ('scipy', 'h5py', 'tensorflow', 'jax', 'keras') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "module",
    ["layers", "models", "optimizers", "losses", "metrics", "callbacks", "activations",
     "initializers", "regularizers", "constraints", "utils", "datasets", "saving", "ops",
     "backend"],
)
def test_public_modules_mirror_keras(module):
    import importlib

    assert importlib.import_module(f"minikeras.{module}").__name__ == f"minikeras.{module}"


def test_seed_tutorial_runs_with_only_its_imports_changed():
    code = """
import warnings
warnings.simplefilter("ignore")
from minikeras.models import Sequential
from minikeras.layers import Dense
model = Sequential()
model.add(Dense(64, activation='relu', input_shape=(10,)))
model.add(Dense(64, activation='relu'))
model.add(Dense(10, activation='softmax'))
print(model.count_params())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "5514"


def test_deserialize_keras_object_finds_the_kind_from_the_module():
    import minikeras as mk
    from minikeras.saving import deserialize_keras_object, serialize_keras_object

    for obj in (mk.layers.Dense(3), mk.losses.Huber(), mk.optimizers.Adam(),
                mk.initializers.GlorotUniform(), mk.regularizers.L2(), mk.constraints.MaxNorm()):
        assert type(deserialize_keras_object(serialize_keras_object(obj))) is type(obj)
    # Keras 2 configs name no module: the registry that knows the class answers.
    assert type(deserialize_keras_object({"class_name": "Dense", "config": {"units": 2}})) is mk.layers.Dense
    with pytest.raises(TypeError, match="Could not locate class 'Nope'"):
        deserialize_keras_object({"class_name": "Nope", "config": {}})


def test_training_never_raises_the_users_blas_thread_limit():
    code = """
import numpy as np, minikeras as mk
from minikeras import backend
model = mk.Sequential([mk.Input((512,)), mk.layers.Dense(512)])
model.compile("sgd", "mse")
seen = []
watch = mk.callbacks.LambdaCallback(on_train_batch_end=lambda b, l: seen.append(backend.get_blas_threads()))
model.fit(np.zeros((256, 512), "float32"), np.zeros((256, 512), "float32"), batch_size=128,
          verbose=0, callbacks=[watch])
print(sorted(set(seen)), backend.blas_threads_for(128, 512))
"""
    import os

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    assert out.stdout.split() == ["[1]", "1"]


def test_floatx_refuses_bfloat16_at_once():
    from minikeras import backend

    with pytest.raises(ValueError, match="numpy has no bfloat16"):
        backend.set_floatx("bfloat16")
    with pytest.raises(ValueError, match="^Unknown `floatx` value: float8"):
        backend.set_floatx("float8")
    assert backend.floatx() == "float32"
