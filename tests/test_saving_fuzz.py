"""Property test: damaged or edited Keras files make loading raise ValueError or OSError only.

Hypothesis mutates real files Keras saved: flipped bytes and truncations, edited JSON configs,
and edited HDF5 attributes, groups and datasets. Bytes are flipped inside `.keras` archives
(whose members carry CRCs); bare HDF5 files are truncated or edited through h5py here, and
byte-flipped where their metadata lives by tests/test_loader_safety.py, which runs its mutants
in a child process so that a hang inside libhdf5 fails the test instead of stopping the suite.
"""

import json
import os
import pathlib
import warnings
import zipfile

import h5py
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minikeras as mk

FILES = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data" / "files"
MODELS = ["k3_adam.keras", "k2_adam.h5", "k3_adam.h5", "k2_zoo.keras"]
WEIGHTS = ["k3_adam.weights.h5", "k2_adam_weights.h5"]
# FUZZ_EXAMPLES=5000 for a longer hunt; the default keeps the suite fast.
FAST = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 40)), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10 ** 12, 10 ** 12) | st.floats(allow_nan=False)
    | st.text(max_size=12) | st.sampled_from(["Lambda", "__lambda__", "Sequential", "Dense",
                                              "InputLayer", "os", "function", "relu", "glu"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["class_name", "config", "module", "layers", "units", "name",
                         "batch_shape", "registered_name", "build_config"]) | st.text(max_size=6),
        children, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def architecture():
    return mk.models.load_model(FILES / "k3_adam.keras", compile=False)


def load(path, architecture):
    """Load `path` the way its name says; only ValueError and OSError may come out."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if path.name.endswith("weights.h5"):
                architecture.load_weights(path)
            else:
                mk.models.load_model(path)
        except (ValueError, OSError):
            pass


def json_paths(tree, prefix=()):
    yield prefix
    children = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(
        tree, list) else ()
    for key, value in children:
        yield from json_paths(value, prefix + (key,))


def replaced(tree, path, value):
    if not path:
        return value
    node = tree
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return tree


@FAST
@given(data=st.data())
def test_flipped_bytes_and_truncations(tmp_path, architecture, data):
    name = data.draw(st.sampled_from(MODELS + WEIGHTS))
    content = bytearray((FILES / name).read_bytes())
    if name.endswith(".keras"):
        for position, byte in data.draw(st.lists(st.tuples(
                st.integers(0, len(content) - 1), st.integers(0, 255)), min_size=1, max_size=8)):
            content[position] = byte
    if not name.endswith(".keras") or data.draw(st.booleans()):
        content = content[: data.draw(st.integers(0, len(content) - 1))]
    path = tmp_path / name
    path.write_bytes(bytes(content))
    load(path, architecture)


@FAST
@given(data=st.data())
def test_edited_json_configs(tmp_path, architecture, data):
    name = data.draw(st.sampled_from(MODELS))
    path = tmp_path / name
    path.write_bytes((FILES / name).read_bytes())
    if name.endswith(".keras"):
        with zipfile.ZipFile(FILES / name) as archive:
            members = {info.filename: archive.read(info) for info in archive.infolist()}
        config = json.loads(members["config.json"])
    else:
        attribute = data.draw(st.sampled_from(["model_config", "training_config"]))
        with h5py.File(path, "r") as f:
            config = json.loads(f.attrs[attribute])
    where = data.draw(st.sampled_from(list(json_paths(config))))
    config = replaced(config, where, data.draw(json_values))
    text = json.dumps(config).encode()
    if name.endswith(".keras"):
        with zipfile.ZipFile(path, "w") as archive:
            for member, content in members.items():
                archive.writestr(member, text if member == "config.json" else content)
    else:
        with h5py.File(path, "a") as f:
            f.attrs[attribute] = text
    load(path, architecture)


# What an HDF5 string attribute can hold: UTF-8 text without NUL.
text = st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=20)
attribute_values = st.one_of(
    text, st.lists(text, max_size=4),
    st.integers(-5, 10 ** 9), st.just(np.asarray([])), st.just(np.zeros((2, 2))),
    st.lists(text.map(str.encode), min_size=1, max_size=3),
)
arrays = st.one_of(
    st.builds(lambda shape, dtype: np.zeros(shape, dtype),
              st.lists(st.integers(0, 6), max_size=3).map(tuple),
              st.sampled_from(["float32", "float64", "int64", "int8", "bool"])),
    st.just(np.array([b"text", b"more"])),
)


@FAST
@given(data=st.data())
def test_edited_hdf5_attributes_groups_and_datasets(tmp_path, architecture, data):
    name = data.draw(st.sampled_from(["k2_adam.h5", "k3_adam.h5"] + WEIGHTS))
    path = tmp_path / name
    path.write_bytes((FILES / name).read_bytes())
    with h5py.File(path, "a") as f:
        nodes = [f]
        f.visititems(lambda _, node: nodes.append(node))
        node = data.draw(st.sampled_from(nodes))
        action = data.draw(st.sampled_from(["attribute", "delete", "dataset", "rename"]))
        if action == "attribute" or node is f:
            key = data.draw(st.sampled_from(sorted(node.attrs.keys()) + ["layer_names0", "name"]))
            node.attrs[key] = data.draw(attribute_values)
        elif action == "delete":
            del f[node.name]
        elif action == "rename":
            f.move(node.name, node.name + data.draw(st.sampled_from(["_", "0", ":0"])))
        else:
            parent = node if isinstance(node, h5py.Group) else node.parent
            target = data.draw(st.sampled_from(sorted(parent.keys()) + ["7", "extra"]))
            if target in parent:
                del parent[target]
            parent.create_dataset(target, data=data.draw(arrays))
    load(path, architecture)
