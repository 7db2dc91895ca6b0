"""`adapt` and `class_weight` with `tf.data` datasets and `PyDataset`s, against what Keras 3
did with the same data (compat/data/dataset_weighting.json, written by
compat/make_dataset_weighting.py from tests/dataset_weighting_cases.py): what each layer
learns, the sample weights added to each batch, a short `fit`'s history and weights, and
Keras' errors."""

import json

import numpy as np
import pytest

import dataset_weighting_cases as cases
import minikeras as keras
from conftest import COMPAT_DATA
from minikeras.compat import tensorflow as tf
from minikeras.models import data as data_lib


@pytest.fixture(scope="module")
def reference():
    return json.loads((COMPAT_DATA / "dataset_weighting.json").read_text("utf-8"))


def _assert_close(ours, theirs, name):
    for key, expected in theirs.items():
        if isinstance(expected, list) and expected and isinstance(
                np.asarray(expected).flat[0], str):
            assert ours[key] == expected, (name, key)
        else:
            np.testing.assert_allclose(ours[key], expected, rtol=2e-6, atol=1e-6,
                                       err_msg=f"{name}: {key}")


@pytest.mark.parametrize("name", sorted(cases.ADAPT_CASES))
def test_adapt_on_datasets_learns_what_keras_learns(name, reference):
    _assert_close(cases.ADAPT_CASES[name](tf, keras), reference["adapt"][name], name)


@pytest.mark.parametrize("name", sorted(cases.WEIGHT_CASES))
def test_class_weight_adds_keras_sample_weights_to_each_batch(name, reference):
    batches = data_lib.make_batches(cases.WEIGHT_CASES[name](tf, keras),
                                    class_weight=cases.CLASS_WEIGHT)
    weights = [batch[2].tolist() for batch in batches.batches()]
    assert weights == reference["batch_weights"][name]
    assert all(batch[2].dtype == np.float32 for batch in batches.batches())


def _loss_for(name):
    return "categorical_crossentropy" if "one_hot" in name else "sparse_categorical_crossentropy"


@pytest.mark.parametrize("name", sorted(cases.WEIGHT_CASES))
def test_training_steps_on_class_weighted_batches_follow_keras(name, reference):
    """Two epochs of train steps on the weighted batches (what `fit` runs), against Keras'
    `fit(dataset, class_weight=...)`: the epoch losses and the weights reached."""
    model = cases.fit_model(keras, _loss_for(name))
    batches = data_lib.make_batches(cases.WEIGHT_CASES[name](tf, keras),
                                    class_weight=cases.CLASS_WEIGHT)
    losses = []
    for _ in range(2):
        model.reset_metrics()
        for batch in batches.batches(resume=True):
            model.train_step(batch)
        losses.append(float(model.get_metrics_result()["loss"]))
    expected = reference["fit"][name]
    np.testing.assert_allclose(losses, expected["loss"], rtol=1e-5)
    for ours, theirs in zip(model.get_weights(), expected["weights"]):
        np.testing.assert_allclose(ours.ravel(), theirs, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["dataset_sparse_labels", "py_dataset_one_hot_labels"])
def test_fit_takes_class_weight_with_datasets(name, reference):
    model = cases.fit_model(keras, _loss_for(name))
    history = model.fit(cases.WEIGHT_CASES[name](tf, keras), epochs=2, shuffle=False,
                        class_weight=cases.CLASS_WEIGHT, verbose=0)
    np.testing.assert_allclose(history.history["loss"], reference["fit"][name]["loss"],
                               rtol=1e-5)


def test_class_weight_on_a_dataset_weighs_as_on_the_same_arrays():
    x, y = cases.features(96), cases.labels(96)
    arrays = data_lib.make_batches(x, y, batch_size=16, class_weight=cases.CLASS_WEIGHT)
    dataset = data_lib.make_batches(tf.data.Dataset.from_tensor_slices((x, y)).batch(16),
                                    class_weight=cases.CLASS_WEIGHT)
    for ours, theirs in zip(dataset.batches(), arrays.batches(), strict=True):
        np.testing.assert_array_equal(ours[2], theirs[2])


@pytest.mark.parametrize("name", sorted(cases.ERROR_CASES))
def test_class_weight_is_refused_as_keras_refuses_it(name, reference):
    source, class_weight = cases.ERROR_CASES[name](tf, keras)
    expected = reference["errors"][name]
    with pytest.raises(Exception) as caught:  # noqa: B017 - the type is checked below
        next(iter(data_lib.make_batches(source, class_weight=class_weight).batches()))
    assert type(caught.value).__name__ == expected["type"]
    assert str(caught.value) == expected["message"]


def test_class_weight_keys_that_are_no_class_index_warn_once_per_fit():
    source = tf.data.Dataset.from_tensor_slices(
        (cases.features(32), cases.labels(32))).batch(8)
    with pytest.warns(UserWarning, match="are not class indices") as warned:
        batches = data_lib.make_batches(source, class_weight={"1": 3.0, 2: 0.5})
        weights = np.concatenate([batch[2] for batch in batches.batches()])
    assert len([w for w in warned if "class indices" in str(w.message)]) == 1
    np.testing.assert_array_equal(weights, np.where(cases.labels(32) == 2, 0.5, 1.0))
