"""`keras.utils.FeatureSpace` and `keras.layers.HashedCrossing` against Keras 3.15 (reference:
compat/make_feature_space.py over the cases of tests/feature_space_cases.py): the adapted
states, the encoded table in both modes, a model trained on the encoded features, the configs,
and the `.keras` files both ways."""

import json
import pathlib
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import feature_space_cases as cases
import minikeras as mk
from minikeras.compat import tf_data
from minikeras.utils import FeatureSpace

DATA = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data"
REFERENCE = json.loads((DATA / "feature_space.json").read_text())
KERAS = REFERENCE["feature_space"]
CROSSINGS = REFERENCE["hashed_crossing"]
KERAS_FILE = DATA / "files" / "feature_space" / "k3_feature_space.keras"


ARRAYS, TARGET = cases.arrays(np)
FIRST_ROW = {name: values[0].item() for name, values in ARRAYS.items()}


def dataset():
    return tf_data.Dataset.from_tensor_slices((ARRAYS, TARGET)).batch(cases.BATCH)


def adapted(output_mode="concat"):
    space = cases.feature_space(FeatureSpace, output_mode)
    space.adapt(dataset().map(lambda x, _: x))
    return space


@pytest.fixture(scope="module")
def space():
    return adapted()


def state(space):
    return cases.adapted_state(space, mk.layers)


def assert_same_state(ours, theirs):
    assert ours.keys() == theirs.keys()
    for name, expected in theirs.items():
        if "weights" in expected:  # float32 statistics, merged batch by batch as Keras does
            for mine, keras in zip(ours[name]["weights"], expected["weights"]):
                np.testing.assert_array_equal(mine, keras, err_msg=name)
        else:
            assert ours[name] == expected, name


# ----------------------------------------------------------------------------------------------
# HashedCrossing


@pytest.mark.parametrize("name", sorted(cases.hashed_crossing_cases()))
def test_hashed_crossing_bins_are_keras(name):
    kwargs, inputs = cases.hashed_crossing_cases()[name]
    layer = mk.layers.HashedCrossing(**kwargs)
    output = np.asarray(layer(tuple(np.array(c) for c in inputs)))
    expected = CROSSINGS[name]
    assert output.dtype == np.dtype(expected["dtype"])
    assert output.tolist() == expected["output"]
    assert {**layer.get_config(), "name": None} == {**expected["config"], "name": None}
    clone = mk.layers.HashedCrossing.from_config(json.loads(json.dumps(layer.get_config())))
    assert clone.get_config() == layer.get_config()
    assert np.asarray(clone(tuple(np.array(c) for c in inputs))).tolist() == expected["output"]


def test_hashed_crossing_takes_python_lists_as_columns():
    layer = mk.layers.HashedCrossing(num_bins=5)
    assert np.asarray(layer((["A", "B", "A", "B", "A"], [101, 101, 101, 102, 102]))).tolist() \
        == CROSSINGS["docs_example"]["output"]


@pytest.mark.parametrize("inputs, message", [
    (np.array(["a", "b"]), "list or tuple"),
    ([np.array(["a", "b"])], "at least two"),
    ([np.array(["a", "b"]), np.array(["a"])], "equal shape"),
    ([np.array([["a", "b"]]), np.array([["a", "b"]])], "should have shape"),
    ([np.array([1.5, 2.5]), np.array([1, 2])], "integer or string"),
])
def test_hashed_crossing_refuses_what_keras_refuses(inputs, message):
    with pytest.raises(ValueError, match=message):
        mk.layers.HashedCrossing(num_bins=3)(inputs)


def test_hashed_crossing_in_a_functional_model():
    colour = mk.Input(shape=(1,), dtype="string")
    size = mk.Input(shape=(1,), dtype="int64")
    crossed = mk.layers.HashedCrossing(num_bins=5, output_mode="one_hot")([colour, size])
    assert crossed.shape == (None, 5) and crossed.dtype == "float32"
    model = mk.Model([colour, size], crossed)
    kwargs, inputs = cases.hashed_crossing_cases()["one_hot_column"]
    left, right = (np.array(c) for c in inputs)
    sizes = np.arange(len(right), dtype=np.int64).reshape(-1, 1)
    direct = mk.layers.HashedCrossing(**kwargs)((left, sizes))
    np.testing.assert_array_equal(model.predict([left, sizes], verbose=0), direct)
    with pytest.raises(ValueError, match="list/tuple of 2 tensors"):  # Keras' own limit
        mk.layers.HashedCrossing(num_bins=5)([colour, size, size])


# ----------------------------------------------------------------------------------------------
# FeatureSpace: adapting and encoding


def test_adapted_states_are_keras(space):
    assert_same_state(state(space), KERAS["state"])


def test_unbatched_rows_adapt_as_keras():
    rows = cases.feature_space(FeatureSpace)
    rows.adapt(tf_data.Dataset.from_tensor_slices(ARRAYS))  # single rows: batched by 32
    assert_same_state(state(rows), KERAS["unbatched_state"])
    np.testing.assert_allclose(rows(ARRAYS), KERAS["unbatched_table"], rtol=0, atol=1e-6)


def test_concat_encoding_is_keras(space):
    encoded = np.asarray(space(ARRAYS))
    assert encoded.dtype == np.float32 and encoded.shape == (cases.ROWS, 90)
    np.testing.assert_allclose(encoded, KERAS["concat"]["table"], rtol=0, atol=1e-6)
    # One row of Python scalars is encoded as a batch of one and comes back unbatched.
    np.testing.assert_allclose(space(FIRST_ROW), KERAS["concat"]["row"], rtol=0, atol=1e-6)


def test_dict_encoding_is_keras():
    space = adapted("dict")
    encoded = space(ARRAYS)
    # The features by name, then the crosses by name (the reference's JSON sorts keys).
    assert list(encoded) == sorted(space.features) + sorted(space.crossers)
    assert set(encoded) == set(KERAS["dict"]["table"])
    for name, expected in KERAS["dict"]["table"].items():
        assert str(np.asarray(encoded[name]).dtype) == KERAS["dict"]["dtypes"][name], name
        np.testing.assert_allclose(encoded[name], expected, rtol=0, atol=1e-6, err_msg=name)
    for name, expected in KERAS["dict"]["row"].items():
        np.testing.assert_allclose(space(FIRST_ROW)[name], expected, rtol=0, atol=1e-6)


def test_a_dict_of_arrays_adapts_as_its_dataset_of_rows():
    rows = cases.feature_space(FeatureSpace)
    rows.adapt(ARRAYS)
    assert_same_state(state(rows), KERAS["unbatched_state"])


def test_dataset_map_encodes_each_batch(space):
    batches = list(dataset().map(lambda x, y: (space(x), y)).as_numpy_iterator())
    assert [b[0].shape for b in batches] == [(cases.BATCH, 90)] * (cases.ROWS // cases.BATCH)
    np.testing.assert_allclose(np.concatenate([b[0] for b in batches]),
                               KERAS["concat"]["table"], rtol=0, atol=1e-6)
    # Unlabeled: the FeatureSpace itself is the function.
    first = next(iter(dataset().map(lambda x, _: x).map(space)))
    np.testing.assert_allclose(first, KERAS["concat"]["table"][:cases.BATCH], rtol=0, atol=1e-6)


def test_graph_inputs_and_encoded_features(space):
    inputs = space.get_inputs()
    assert list(inputs) == list(cases.feature_space(FeatureSpace).features)
    assert {name: (x.shape, x.dtype) for name, x in inputs.items()} == {
        name: ((None, 1), feature.dtype) for name, feature in space.features.items()}
    encoded = space.get_encoded_features()
    assert encoded.shape == (None, 90) and encoded.dtype == "float32"


def test_training_on_encoded_features_is_keras(space):
    expected = KERAS["training"]
    encoded = space.get_encoded_features()
    predictions = mk.layers.Dense(1, activation="sigmoid")(
        mk.layers.Dense(8, activation="relu")(encoded))
    training_model = mk.Model(inputs=encoded, outputs=predictions)
    training_model.set_weights([np.array(w, np.float32) for w in expected["initial_weights"]])
    training_model.compile(optimizer=mk.optimizers.Adam(0.01), loss="binary_crossentropy",
                           metrics=["accuracy"])
    inference_model = mk.Model(inputs=space.get_inputs(), outputs=predictions)
    history = training_model.fit(dataset().map(lambda x, y: (space(x), y)), epochs=2,
                                 verbose=0, shuffle=False)
    for key, values in expected["history"].items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5, err_msg=key)
    for ours, theirs in zip(training_model.get_weights(), expected["final_weights"]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(inference_model.predict(ARRAYS, verbose=0), expected["inference"],
                               rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# Configs and files


def _comparable(config):
    """A config without what Keras adds beside the settings (empty build configs, the ids of
    shared dtype policies)."""
    if isinstance(config, dict):
        return {k: _comparable(v) for k, v in config.items()
                if k != "shared_object_id" and not (k == "build_config" and not v)}
    if isinstance(config, list):
        return [_comparable(v) for v in config]
    return config


def test_config_is_keras(space):
    assert _comparable(json.loads(json.dumps(space.get_config()))) == \
        _comparable(KERAS["config"])
    assert json.loads(json.dumps(space.get_build_config())) == KERAS["build_config"]


def test_config_round_trip(space):
    clone = FeatureSpace.from_config(json.loads(json.dumps(space.get_config())))
    assert _comparable(json.loads(json.dumps(clone.get_config()))) == \
        _comparable(json.loads(json.dumps(space.get_config())))
    with pytest.raises(ValueError, match="adapt"):
        clone(ARRAYS)  # a config holds no adapted state


def load(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mk.saving.load_model(path)


def test_keras_file_loads_and_encodes_as_keras():
    loaded = load(KERAS_FILE)
    assert isinstance(loaded, FeatureSpace)
    assert_same_state(state(loaded), KERAS["state"])
    np.testing.assert_allclose(loaded(ARRAYS), KERAS["concat"]["table"], rtol=0, atol=1e-6)


def _layout(path):
    """The archive's members (Keras adds the assets in its file system's order), the weights
    file's groups and datasets, and the assets' bytes."""
    with zipfile.ZipFile(path) as archive:
        names = sorted(archive.namelist())
        with archive.open("model.weights.h5") as weights, h5py.File(weights) as h5file:
            groups = []
            h5file.visititems(lambda name, item: groups.append(
                (name, getattr(item, "shape", None))))
        assets = {n: archive.read(n) for n in names if n.startswith("assets/")}
    return names, groups, assets


def test_our_file_is_laid_out_as_keras_and_loads_back(space, tmp_path):
    path = tmp_path / "space.keras"
    space.save(path)
    assert _layout(path) == _layout(KERAS_FILE)
    loaded = load(path)
    assert_same_state(state(loaded), KERAS["state"])
    np.testing.assert_allclose(loaded(ARRAYS), space(ARRAYS), rtol=0, atol=0)


def test_our_file_loads_in_keras():
    # compat/make_feature_space.py --ours: minikeras' saved FeatureSpace, loaded by Keras 3.
    ours = REFERENCE["ours_in_keras"]
    assert_same_state(ours["state"], KERAS["state"])
    np.testing.assert_allclose(ours["table"], KERAS["concat"]["table"], rtol=0, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# Errors


def test_errors_are_keras():
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace({})
    with pytest.raises(ValueError, match="Invalid feature type: floaty"):
        FeatureSpace({"x": "floaty"})
    with pytest.raises(ValueError, match="Received unknown features"):
        FeatureSpace({"x": "float"}, crosses=[("x", "y")])
    with pytest.raises(ValueError, match="Expected one of {'dict', 'concat'}"):
        FeatureSpace({"x": "float"}, output_mode="list")
    unadapted = FeatureSpace({"x": "float_normalized"})
    with pytest.raises(ValueError, match=r"call `\.adapt\(dataset\)`"):
        unadapted({"x": np.ones(3)})
    with pytest.raises(ValueError, match="only be called on a tf.data.Dataset"):
        unadapted.adapt([1.0, 2.0])
    plain = FeatureSpace({"x": "float", "y": "float_rescaled"})  # nothing to adapt
    np.testing.assert_allclose(plain({"x": [1.0, 2.0], "y": [3.0, 4.0]}), [[1, 3], [2, 4]])
    with pytest.raises(ValueError, match="can only be called with a dict"):
        plain(np.ones((2, 2)))
    ints = FeatureSpace({"n": FeatureSpace.integer_categorical(output_mode="int")})
    with pytest.raises(ValueError, match="Cannot concatenate features because feature 'n'"):
        ints.adapt({"n": [1, 2, 3]})  # the graph is made when adapted


def test_a_file_declaring_other_shapes_is_refused_before_building(tmp_path):
    # The FeatureSpace's build config builds its layers: the loader checks the shapes it gives
    # against the file's weights first (here a Normalization of 10**9 features, never allocated).
    with zipfile.ZipFile(KERAS_FILE) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["build_config"]["trestbps"]["input_shape"] = [None, 10**9]
    members["config.json"] = json.dumps(config).encode()
    path = tmp_path / "declared.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match="trestbps_preprocessor"):
        load(path)


def test_pickles_and_copies_as_its_file(space):
    import copy
    import pickle

    for again in (pickle.loads(pickle.dumps(space)), copy.deepcopy(space)):
        assert isinstance(again, FeatureSpace) and again is not space
        assert_same_state(state(again), KERAS["state"])
        np.testing.assert_array_equal(again(ARRAYS), space(ARRAYS))
