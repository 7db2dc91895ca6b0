"""The package as a user meets it: a light import and Keras' public map."""

import subprocess
import sys

import pytest


def fresh_python(code, *args, env=None):
    """What `code` prints, run with `args` in a new interpreter (its imports start empty)."""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          check=True, env=env).stdout


def test_import_loads_neither_scipy_nor_h5py_nor_a_framework():
    code = (
        "import sys, minikeras; "
        "print(sorted(m for m in ('scipy', 'h5py', 'tensorflow', 'jax', 'keras') if m in sys.modules))"
    )
    assert fresh_python(code).strip() == "[]"


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
    assert fresh_python(code).strip() == "5514"


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


@pytest.mark.parametrize("script, loaded", [
    # `import minikeras` loads its parts on first use: nothing beyond the package itself
    ("import minikeras", {"minikeras"}),
    # building and training a Dense model needs neither saving's h5py, scipy, the callbacks'
    # urllib (with ssl, http, email) nor the datasets
    ("import minikeras as mk, numpy as np\n"
     "m = mk.Sequential([mk.Input((3,)), mk.layers.Dense(2)]); m.compile('adam', 'mse')\n"
     "m.fit(np.zeros((4, 3), 'f'), np.zeros((4, 2), 'f'), verbose=0); m.predict(np.zeros((1, 3)), verbose=0)",
     None),
])
def test_import_loads_no_heavy_module(script, loaded):
    heavy = ("h5py", "scipy", "urllib.request", "ssl", "http.client", "email", "PIL",
             "minikeras.saving.keras_v3", "minikeras.datasets", "minikeras.export",
             "minikeras.compat.tf_data", "minikeras.compat.tensorflow",
             "minikeras.callbacks.remote_monitor")
    code = (f"import sys, numpy\nbefore = set(sys.modules)\n{script}\n"
            "print(' '.join(sorted(set(sys.modules) - before)))")
    new = set(fresh_python(code).split())
    if loaded is not None:
        assert new == loaded
    assert not new & set(heavy), sorted(new & set(heavy))
    assert not any(name.startswith(("h5py.", "scipy.", "email.")) for name in new)


def test_lazy_names_are_the_public_ones():
    import minikeras as mk

    assert mk.Sequential is mk.models.Sequential and mk.Input is mk.layers.Input
    assert mk.config is mk.backend and mk.utils.to_categorical is not None
    assert set(mk.__all__) <= set(dir(mk))
    with pytest.raises(AttributeError, match="module 'minikeras' has no attribute 'nope'"):
        mk.nope  # noqa: B018


# The layer families, as packages and modules of `minikeras.layers`.
LAYER_FAMILIES = ("activations", "attention", "convolutional", "core", "dropout", "merging",
                  "normalization", "pooling", "preprocessing", "regularization", "reshaping",
                  "rnn")


def _new_modules(script):
    code = (f"import sys, numpy\nbefore = set(sys.modules)\n{script}\n"
            "print(' '.join(sorted(set(sys.modules) - before)))")
    return set(fresh_python(code).split())


@pytest.mark.parametrize("script", [
    "import minikeras.layers",
    "import minikeras; minikeras.layers.Dense",
    # a string identifier loads the built-ins of its kind only, not every layer
    "from minikeras.layers import Dense; Dense(2, activation='relu')",
])
def test_a_layer_loads_no_other_layer_family(script):
    new = _new_modules(script)
    families = {name for name in new for family in LAYER_FAMILIES
                if f"{name}.".startswith(f"minikeras.layers.{family}.")}
    assert not families, sorted(families)
    if script == "import minikeras.layers":
        assert new == {"minikeras", "minikeras.layers", "minikeras.utils",
                       "minikeras.utils.lazy_names"}


def test_lazy_layer_names_are_the_public_ones():
    import importlib

    from minikeras import layers

    for package in ("layers", *(f"layers.{f}" for f in LAYER_FAMILIES),
                    "layers.preprocessing.image_preprocessing"):
        module = importlib.import_module(f"minikeras.{package}")
        names = getattr(module, "__all__", ())
        assert set(names) <= set(dir(module)), package
        for name in names:
            # never a submodule, whatever was imported before
            assert not isinstance(getattr(module, name), type(module)), (package, name)
    assert layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D
    merging_module = importlib.import_module("minikeras.layers.merging.concatenate")
    assert layers.concatenate is merging_module.concatenate
    with pytest.raises(AttributeError, match="module 'minikeras.layers' has no attribute 'Nope'"):
        layers.Nope  # noqa: B018
    with pytest.raises(AttributeError,
                       match="module 'minikeras.layers.pooling' has no attribute 'Dense'"):
        layers.pooling.Dense  # noqa: B018


def test_star_import_of_layers_gives_all_and_only_the_public_names():
    code = ("from minikeras.layers import *\nimport minikeras.layers as L\n"
            "print(sorted(set(L.__all__) - set(globals())), "
            "sorted(n for n in globals() if not n.startswith('_') and n not in L.__all__))")
    assert fresh_python(code).split() == ["[]", "['L']"]


def test_every_registered_builtin_is_found_from_a_fresh_process():
    """The registry loads one kind's modules before it resolves a name of that kind: each kind's
    table, read first in a fresh process, equals its table once every module is imported."""
    from minikeras.saving import registry

    each = ("import json, sys\nfrom minikeras.saving import registry\n"
            "print(json.dumps({k: sorted(registry.builtin_names(k)) for k in sys.argv[1:]}))")
    everything = ("import importlib, json, pkgutil, minikeras\n"
                  "from minikeras.saving import registry\n"
                  "for m in pkgutil.walk_packages(minikeras.__path__, 'minikeras.'):\n"
                  "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
                  "print(json.dumps({k: sorted(v) for k, v in registry._BUILTINS.items()}))")
    run = lambda code, *args: json.loads(fresh_python(code, *args))
    import json

    full = run(everything)
    assert set(full) == set(registry._KINDS)
    for kind in registry._KINDS:
        assert run(each, kind) == {kind: full[kind]}, kind


def test_no_builtin_name_is_registered_twice():
    """The registry imports only the module that defines a name it is asked for (a file's
    `Dense` loads the dense module): that resolves as loading everything would only while no
    two modules register one name of one kind."""
    code = """
from minikeras.saving import registry
seen, twice = {}, []
register = registry.register
def recording(kind, *aliases, module=None, name=None):
    decorate = register(kind, *aliases, module=module, name=name)
    def wrapper(obj):
        for key in (name or obj.__name__, *aliases):
            key = key.lower() if registry._KINDS[kind][1] else key
            if seen.setdefault((kind, key), obj) is not obj:
                twice.append(f"{kind} {key}")
        return decorate(obj)
    return wrapper
registry.register = recording
for kind in registry._KINDS:
    registry.builtin_names(kind)
print(len(seen), sorted(twice))
"""
    count, twice = fresh_python(code).split(" ", 1)
    assert int(count) > 400 and twice.strip() == "[]"


def test_load_model_imports_only_the_layers_its_file_names(tmp_path):
    import minikeras as mk

    path = tmp_path / "dense.keras"
    model = mk.Sequential([mk.Input((3,)), mk.layers.Dense(4, activation="relu"),
                           mk.layers.Dense(1)])
    model.compile("adam", "mse")
    model.save(path)
    new = _new_modules("from minikeras.models import load_model\n"
                       f"load_model({str(path)!r}).predict(numpy.ones((2, 3), 'f'), verbose=0)")
    layer_modules = {name for name in new if name.startswith("minikeras.layers.")}
    assert layer_modules <= {"minikeras.layers.base", "minikeras.layers.node",
                             "minikeras.layers.input_spec", "minikeras.layers.operation",
                             "minikeras.layers.input_layer", "minikeras.layers.dense"}, sorted(layer_modules)


@pytest.mark.parametrize("script", [
    "import minikeras.datasets",
    "from minikeras.datasets import digits; digits.load_data()",
    "import minikeras.datasets as d; d.mnist.load_data",
])
def test_datasets_import_no_download_code_until_a_download(script):
    new = _new_modules(script)
    assert not {"urllib.request", "http.client", "ssl", "email"} & new
    if script == "import minikeras.datasets":
        assert new == {"minikeras", "minikeras.datasets"}


def test_a_layer_of_an_untouched_family_deserializes_by_class_name():
    code = """
from minikeras.saving import deserialize_keras_object
import minikeras.layers as L
conv = {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3}}
print(type(deserialize_keras_object(conv)).__module__)
print(type(L.deserialize({"module": "keras.layers", "class_name": "SpatialDropout1D",
                          "config": {"rate": 0.5}})).__module__)
"""
    assert fresh_python(code).split() == ["minikeras.layers.convolutional.conv",
                                  "minikeras.layers.regularization.spatial_dropout"]


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
    assert fresh_python(code, env=env).split() == ["[1]", "1"]


def test_floatx_refuses_bfloat16_at_once():
    from minikeras import backend

    with pytest.raises(ValueError, match="numpy has no bfloat16"):
        backend.set_floatx("bfloat16")
    with pytest.raises(ValueError, match="^Unknown `floatx` value: float8"):
        backend.set_floatx("float8")
    assert backend.floatx() == "float32"


# ----------------------------------------------------------------------------------------------
# The distribution


@pytest.mark.slow  # builds the sdist and runs part of the suite from it (about 10 s)
def test_the_sdist_carries_what_its_tests_need(tmp_path):
    import os
    import pathlib
    import re
    import tarfile

    root = pathlib.Path(__file__).resolve().parent.parent
    build = ("import sys; from setuptools import build_meta; "
             "print(build_meta.build_sdist(sys.argv[1]))")
    name = subprocess.run([sys.executable, "-c", build, str(tmp_path)], cwd=root, check=True,
                          capture_output=True, text=True).stdout.split()[-1]
    with tarfile.open(tmp_path / name) as archive:
        archive.extractall(tmp_path, filter="data")
    unpacked = tmp_path / name.removesuffix(".tar.gz")
    for needed in ("LICENSE", "tests/conftest.py", "compat/data/keras_api_names.json",
                   "compat/data/files", "src/minikeras/datasets/data"):
        assert (unpacked / needed).exists(), needed
    # The sdist's own code, not this checkout's, runs its tests.
    env = {**os.environ, "PYTHONPATH": str(unpacked / "src")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=-q", "-p", "no:cacheprovider",
         "-m", "not slow",
         "tests/test_package.py", "tests/test_optimizers.py", "tests/test_datasets.py",
         "tests/test_progbar_summary.py"],
        cwd=unpacked, env=env, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout[-2000:]
    assert re.match(r"\d{2,} passed", run.stdout.splitlines()[-1]), run.stdout[-500:]


def test_package_metadata_declares_the_license_and_the_extras():
    from importlib import metadata

    meta = metadata.metadata("minikeras-numpy")
    assert meta["License-Expression"] == "Apache-2.0"
    assert "LICENSE" in (meta.get_all("License-File") or [])
    requires = meta.get_all("Requires-Dist")
    assert not any(r.startswith("scipy") and "extra" not in r for r in requires)
    assert {"scipy", "onnx", "test"} <= set(meta.get_all("Provides-Extra"))


def test_version_flag_and_one_line_errors_for_file_commands(tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "minikeras", *args], capture_output=True,
                              text=True, cwd=tmp_path)

    import minikeras

    version = cli("--version")
    assert version.returncode == 0 and version.stdout == f"minikeras {minikeras.__version__}\n"
    (tmp_path / "notes.keras").write_text("not a model")
    (tmp_path / "junk.h5").write_bytes(bytes(range(256)) * 4)
    cases = {
        ("inspect", "missing.keras"): "minikeras inspect: error: No such file: 'missing.keras'",
        ("convert", "missing.keras", "m.onnx"): "minikeras convert: error: No such file: "
                                                "'missing.keras'",
        ("inspect", "junk.h5"): "minikeras inspect: error: Unable to open 'junk.h5' as an HDF5",
        ("convert", "notes.keras", "m.onnx"): "minikeras convert: error: 'notes.keras' is not a",
    }
    for args, start in cases.items():
        out = cli(*args)
        assert out.returncode == 1 and out.stdout == ""
        assert out.stderr.startswith(start) and out.stderr.count("\n") == 1, out.stderr


def test_saving_without_h5py_says_it_needs_h5py(tmp_path):
    code = (
        "import sys; sys.modules['h5py'] = None\n"
        "import minikeras as mk\n"
        "model = mk.Sequential([mk.Input((4,)), mk.layers.Dense(2)])\n"
        "try:\n"
        f"    model.save({str(tmp_path / 'm.keras')!r})\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    assert fresh_python(code).startswith("Saving and loading model and weights files needs h5py")
