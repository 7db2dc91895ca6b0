"""`smart_resize`, `ImageDataGenerator.flow_from_dataframe` and `TimeseriesGenerator` against
what Keras 3 (and tf_keras, for `TimeseriesGenerator`) gave on the same cases
(compat/data/image_sequence.npz and .json, written by compat/make_image_sequence.py from
tests/image_sequence_cases.py): values, dtypes and shapes of every array, and the errors."""

import json
import re
import sys

import numpy as np
import pytest

import image_sequence_cases as cases
from conftest import COMPAT_DATA
from minikeras.preprocessing.image import ImageDataGenerator, smart_resize
from minikeras.preprocessing.sequence import TimeseriesGenerator
from minikeras.utils import PyDataset


@pytest.fixture(scope="module")
def arrays():
    with np.load(COMPAT_DATA / "image_sequence.npz") as data:
        return {name: data[name] for name in data.files}


@pytest.fixture(scope="module")
def errors():
    return json.loads((COMPAT_DATA / "image_sequence.json").read_text("utf-8"))["errors"]


def _check(name, run, arrays, errors):
    if name in errors:
        expected = errors[name]
        with pytest.raises(Exception) as caught:  # noqa: B017 - the type is checked below
            run()
        assert type(caught.value).__name__ == expected["type"]
        ours, theirs = str(caught.value), expected["message"]
        if "expected one of: {" in theirs:  # a set: its order changes between runs
            head = theirs.split("{")[0]
            assert ours.startswith(head)
            assert set(re.findall(r"'?(\w+)'?", ours[len(head):])) == set(
                re.findall(r"'?(\w+)'?", theirs[len(head):]))
        else:
            assert ours == theirs
        return
    result = run()
    expected = {key.split("/", 1)[1]: value for key, value in arrays.items()
                if key.startswith(name + "/")}
    assert set(result) == set(expected), name
    for key, theirs in expected.items():
        ours = np.asarray(result[key])
        assert ours.shape == theirs.shape, (name, key)
        if theirs.dtype.kind in "US":
            assert ours.tolist() == theirs.tolist(), (name, key)
            continue
        assert ours.dtype == theirs.dtype, (name, key, ours.dtype, theirs.dtype)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4, err_msg=f"{name}/{key}")


@pytest.mark.parametrize("name", sorted(cases.RESIZE_CASES))
def test_smart_resize_matches_keras(name, arrays, errors):
    _check(name, lambda: cases.RESIZE_CASES[name](smart_resize), arrays, errors)


@pytest.mark.parametrize("interpolation", ["area", "lanczos3", "lanczos5"])
def test_smart_resize_is_the_resizing_layer_on_the_centred_crop(interpolation):
    """The methods without a recorded smart_resize reference: Keras' smart_resize is
    `tf.image.resize` of the largest centred crop, which the Resizing layer (checked against
    TensorFlow for every method) computes with `crop_to_aspect_ratio`."""
    from minikeras.layers import Resizing

    image = np.random.default_rng(0).random((2, 9, 14, 3), dtype=np.float32)
    layer = Resizing(4, 5, interpolation=interpolation, crop_to_aspect_ratio=True)
    np.testing.assert_allclose(smart_resize(image, (4, 5), interpolation=interpolation),
                               layer(image), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="interpolation"):
        smart_resize(image, (4, 5), interpolation="gaussian")


@pytest.mark.parametrize("name", sorted(cases.TIMESERIES_CASES))
def test_timeseries_generator_matches_keras_2(name, arrays, errors):
    _check(name, lambda: cases.TIMESERIES_CASES[name](TimeseriesGenerator), arrays, errors)


def test_timeseries_generator_is_a_py_dataset_that_fit_reads():
    import minikeras as keras

    data, targets = cases.series(40)
    generator = TimeseriesGenerator(data, targets.astype("float32"), length=5, batch_size=8)
    assert isinstance(generator, PyDataset) and generator.num_batches == len(generator) == 5
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    seen = []
    model.fit(generator, epochs=1, verbose=0, callbacks=[keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(batch))])
    assert seen == list(range(5))


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    pytest.importorskip("PIL")
    folder = tmp_path_factory.mktemp("dataframe_images")
    cases.make_images(str(folder))
    return str(folder)


@pytest.mark.parametrize("name", sorted(cases.DATAFRAME_CASES))
def test_flow_from_dataframe_matches_keras(name, arrays, errors, image_folder):
    pandas = pytest.importorskip("pandas")
    _check(name, lambda: cases.DATAFRAME_CASES[name](ImageDataGenerator, pandas, image_folder),
           arrays, errors)


def test_flow_from_dataframe_names_pandas_when_it_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` raises ImportError
    with pytest.raises(ImportError, match=r"flow_from_dataframe.*pip install pandas"):
        ImageDataGenerator().flow_from_dataframe({"filename": ["a.png"], "class": ["a"]})
