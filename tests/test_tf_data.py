"""`tf.data` in the `tensorflow` stand-in, against what TensorFlow 2.21 produced for the same
pipelines (compat/data/tf_data.json, written by compat/make_tf_data.py from
tests/tf_data_cases.py): elements in order with their dtypes and shapes, cardinality,
element_spec, errors, and statistics of shuffled orders."""

import json
import re

import numpy as np
import pytest

import tf_data_cases as cases
from conftest import COMPAT_DATA
from minikeras.compat import tensorflow as tf
from minikeras.compat import tf_data


@pytest.fixture(scope="module")
def reference():
    return json.loads((COMPAT_DATA / "tf_data.json").read_text("utf-8"))


@pytest.fixture
def folder(tmp_path):
    cases.make_files(str(tmp_path))
    return str(tmp_path)


# Pipelines whose spec comes through `map`: TensorFlow traces the function and may not know a
# size that differs between elements; minikeras reports the first element's sizes.
MAPPED = {"padded_batch", "padded_batch_shape_and_value", "padded_batch_tuple",
          "padded_batch_2d", "map_tuple", "map_dict", "map_to_pair", "map_cast", "map_batches",
          "zip_arguments", "cache", "tutorial_pipeline"}


def _assert_spec_matches(ours, theirs, exact):
    if isinstance(theirs, dict):
        key = next(iter(theirs))
        assert isinstance(ours, dict) and key in ours
        inner_ours, inner_theirs = ours[key], theirs[key]
        if key == "dict":
            assert sorted(inner_ours) == sorted(inner_theirs)
            for name in inner_theirs:
                _assert_spec_matches(inner_ours[name], inner_theirs[name], exact)
        else:
            assert len(inner_ours) == len(inner_theirs)
            for a, b in zip(inner_ours, inner_theirs):
                _assert_spec_matches(a, b, exact)
        return
    (our_shape, our_dtype), (shape, dtype) = ours, theirs
    assert our_dtype == dtype
    if exact or shape is None:
        assert our_shape == shape
    else:  # every size TensorFlow knows, ours knows too
        assert len(our_shape) == len(shape)
        assert all(b is None or a == b for a, b in zip(our_shape, shape))


@pytest.mark.parametrize("name", sorted(cases.CASES))
def test_pipeline_matches_tensorflow(name, reference, folder):
    expected = reference["cases"][name]
    dataset = cases.CASES[name](tf, folder)
    elements = [cases.encode(e, folder) for e in dataset.as_numpy_iterator()]
    assert elements == expected["elements"]
    assert int(dataset.cardinality()) == expected["cardinality"]
    _assert_spec_matches(cases.spec_summary(dataset.element_spec), expected["element_spec"],
                         exact=name not in MAPPED)


@pytest.mark.parametrize("name", sorted(cases.CARDINALITY_ONLY))
def test_cardinality_matches_tensorflow(name, reference):
    result = cases.cardinality_of(cases.CARDINALITY_ONLY[name](tf))
    assert int(result) == reference["cardinality"][name]


def test_constants_match_tensorflow(reference):
    for name, value in reference["constants"].items():
        assert eval(f"tf.data.{name}") == value


def _core_message(message):
    """TensorFlow's message without the op's wrapping: the text a user would read."""
    if "TypeError: " in message:
        return message.split("TypeError: ", 1)[1].splitlines()[0]
    if "Summarized data: b'" in message:
        return message.split("Summarized data: b'", 1)[1].rstrip("'")
    return re.sub(r" \[Op:.*$", "", re.sub(r"^\{\{[^}]*\}\} ", "", message), flags=re.S)


@pytest.mark.parametrize("name", sorted(cases.ERROR_CASES))
def test_errors_say_what_tensorflow_says(name, reference, folder):
    expected = reference["errors"][name]
    with pytest.raises((TypeError, ValueError)) as raised:
        cases.ERROR_CASES[name](tf, folder)
    assert _core_message(expected["message"]).replace("<folder>", folder) in str(raised.value)
    if expected["type"] in ("TypeError", "ValueError"):
        assert type(raised.value).__name__ == expected["type"]


# ----------------------------------------------------------------------------------------------
# Shuffling: TensorFlow's random stream is its own; the distribution of orders must agree.


def test_shuffle_semantics_match_tensorflow(reference):
    assert cases.semantics(tf, None) == reference["shuffle"]["semantics"]


def test_shuffle_first_element_distribution_matches_tensorflow(reference):
    ours = cases.first_element_distribution(tf, None)["frequencies"]
    theirs = reference["shuffle"]["first_element_distribution"]["frequencies"]
    # 2000 draws each: a frequency's standard error is about 0.011; 0.05 is over 3 errors of
    # the difference.
    np.testing.assert_allclose(ours, theirs, atol=0.05)
    assert [f == 0 for f in ours] == [f == 0 for f in theirs]


def test_shuffle_positions_match_tensorflow(reference):
    ours = cases.position_distribution(tf, None)
    theirs = reference["shuffle"]["position_distribution"]
    assert ours["earliest_position"] == theirs["earliest_position"]
    # Positions spread by about 2: a mean's standard error is about 0.05.
    np.testing.assert_allclose(ours["mean_position"], theirs["mean_position"], atol=0.25)


def test_shuffle_is_repeatable_from_the_global_seed():
    def order():
        tf.random.set_seed(7)
        return list(tf.data.Dataset.range(20).shuffle(20).as_numpy_iterator())

    assert order() == order()
    assert sorted(order()) == list(range(20))


def test_shuffled_rows_are_gathered_by_batch_as_the_rows_they_are():
    x = np.arange(30, dtype="float32").reshape(10, 3)
    y = np.arange(10)
    batches = list(tf.data.Dataset.from_tensor_slices((x, y)).shuffle(10, seed=0).batch(4)
                   .as_numpy_iterator())
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    for bx, by in batches:
        np.testing.assert_array_equal(bx, x[by])
    assert sorted(np.concatenate([b[1] for b in batches])) == list(range(10))


# ----------------------------------------------------------------------------------------------
# Streaming, iteration and the stand-in's types


def test_nothing_runs_until_iterated_and_each_pass_runs_again():
    calls = []

    def rows():
        calls.append("pass")
        yield from range(3)

    ds = tf.data.Dataset.from_generator(rows, output_signature=tf.TensorSpec((), tf.int64))
    pipeline = ds.map(lambda x: x + 1).batch(2)
    assert calls == []
    assert [b.tolist() for b in pipeline.as_numpy_iterator()] == [[1, 2], [3]]
    assert [b.tolist() for b in pipeline.as_numpy_iterator()] == [[1, 2], [3]]
    assert calls == ["pass", "pass"]


def test_a_pipeline_holds_one_batch_not_the_stream():
    seen = []

    def endless():
        for i in range(10**9):
            seen.append(i)
            yield np.full(4, i, "float32")

    ds = tf.data.Dataset.from_generator(endless, output_signature=tf.TensorSpec((4,), tf.float32))
    first = next(iter(ds.map(lambda x: x * 2).batch(8).prefetch(tf.data.AUTOTUNE)))
    assert first.shape == (8, 4) and len(seen) <= 9


def test_for_loops_give_tensors_and_map_functions_receive_them():
    received = []

    def double(x, y):
        received.append(type(x))
        return x * 2, y

    ds = cases.slices_tuple(tf, None).map(double).batch(2)
    x, y = next(iter(ds))
    assert isinstance(x, tf.Tensor) and isinstance(x.numpy(), np.ndarray)
    assert not isinstance(x.numpy(), tf.Tensor)
    assert received[0] is tf.Tensor
    np.testing.assert_array_equal(x.numpy(), [[0, 2], [4, 6]])


def test_cache_keeps_the_first_complete_pass():
    draws = iter(range(100))
    ds = tf.data.Dataset.range(3).map(lambda x: x + next(draws)).cache()
    first = list(ds.as_numpy_iterator())
    assert list(ds.as_numpy_iterator()) == first == [0, 2, 4]


def test_len_bool_and_experimental_cardinality():
    ds = tf.data.Dataset.range(7).batch(2)
    assert len(ds) == 4 and bool(ds.filter(lambda x: True))
    assert tf.data.experimental.cardinality(ds) == 4
    assert ds.repeat().cardinality() == tf.data.experimental.INFINITE_CARDINALITY
    assert ds.filter(lambda x: True).cardinality() == tf.data.experimental.UNKNOWN_CARDINALITY


def test_element_spec_reads_like_tensorflow():
    spec = cases.slices_tuple(tf, None).batch(2).element_spec
    assert repr(spec[0]) == "TensorSpec(shape=(None, 2), dtype=tf.float32, name=None)"
    assert spec[0].shape.as_list() == [None, 2] and spec[0].shape[1:] == (2,)
    assert spec[1].dtype == tf.int64
    assert tf.data.Dataset is tf_data.Dataset


def test_generators_without_a_signature_are_refused():
    with pytest.raises(TypeError, match="output_types"):
        tf.data.Dataset.from_generator(lambda: iter([1]))


# ----------------------------------------------------------------------------------------------
# keras.utils' dataset functions, against Keras 3.15 on TensorFlow (same files, same calls)


@pytest.fixture(scope="module")
def class_folders(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("classes"))
    cases.make_class_folders(folder)
    return folder


@pytest.mark.parametrize("name", sorted(cases.UTILITY_CASES))
def test_dataset_utilities_match_keras(name, reference, class_folders, capsys):
    from minikeras import utils

    expected = reference["utilities"][name]
    dataset = cases.UTILITY_CASES[name](utils, tf, class_folders)
    elements = [cases.encode(e, class_folders) for e in dataset.as_numpy_iterator()]
    assert elements == expected["elements"]
    assert int(dataset.cardinality()) == expected["cardinality"]
    _assert_spec_matches(cases.spec_summary(dataset.element_spec), expected["element_spec"],
                         exact=False)


def test_directory_datasets_say_what_they_found_and_name_their_classes(class_folders, capsys):
    from minikeras import utils

    train, validation = utils.text_dataset_from_directory(
        class_folders + "/text", validation_split=0.5, subset="both", seed=1, batch_size=2)
    assert capsys.readouterr().out.splitlines() == [
        "Found 6 files belonging to 3 classes.", "Using 3 files for training.",
        "Using 3 files for validation."]
    assert train.class_names == validation.class_names == ["neg", "pos", "zzz"]
    names = sorted(t for batch, _ in train.as_numpy_iterator() for t in batch) + sorted(
        t for batch, _ in validation.as_numpy_iterator() for t in batch)
    assert sorted(names) == sorted([b"good film", b"great", b"loved it", b"bad", b"awful plot",
                                    b"meh"])
    with pytest.raises(ValueError, match="you must provide a `seed` argument"):
        utils.image_dataset_from_directory(class_folders + "/images", validation_split=0.5,
                                           subset="training")


def test_shuffled_text_dataset_keeps_each_text_with_its_label(class_folders):
    from minikeras import utils

    labelled = utils.text_dataset_from_directory(class_folders + "/text", seed=5, batch_size=4,
                                                 verbose=False)
    pairs = {(t, int(l)) for texts, labels in labelled.as_numpy_iterator()
             for t, l in zip(texts, labels)}
    assert pairs == {(b"good film", 1), (b"great", 1), (b"loved it", 1), (b"bad", 0),
                     (b"awful plot", 0), (b"meh", 2)}


def test_image_dataset_names_pillow_when_it_is_missing(class_folders, monkeypatch):
    import sys

    from minikeras import utils

    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="needs Pillow"):
        utils.image_dataset_from_directory(class_folders + "/images")


def test_timeseries_windows_are_cut_as_batches_are_read():
    from minikeras import utils

    data = np.arange(10**6, dtype="float32")
    windows = utils.timeseries_dataset_from_array(data, None, sequence_length=100,
                                                  batch_size=8, shuffle=True, seed=0)
    first = next(iter(windows.as_numpy_iterator()))
    assert first.shape == (8, 100)
    np.testing.assert_array_equal(np.diff(first, axis=1), 1)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"ragged": True, "output_sequence_length": 4}, ValueError,
     "Cannot set both `ragged` and `output_sequence_length`"),
    ({"sampling_rate": 1.5}, ValueError, "`sampling_rate` should have an integer value"),
    ({"sampling_rate": 0}, ValueError, "`sampling_rate` should be higher than 0"),
    ({"sampling_rate": 8000}, NotImplementedError, "minikeras does not resample audio"),
    ({"ragged": True}, NotImplementedError, "minikeras has no ragged tensors"),
    ({"labels": [0, 1, 0, 1, 1], "class_names": ["a", "b"]}, ValueError,
     'You can only pass `class_names` if `labels="inferred"`'),
])
def test_audio_dataset_refuses_what_it_cannot_do(class_folders, kwargs, error, message):
    from minikeras import utils

    with pytest.raises(error, match=re.escape(message)):
        utils.audio_dataset_from_directory(class_folders + "/audio", **kwargs)
