"""`fit`, `evaluate` and `predict` on `tf.data` datasets and `PyDataset`s, as Keras 3 runs them:
the same histories as the same batches given as arrays, Keras' epoch rules (steps, datasets that
run out, endless ones), epoch hooks, and Keras' messages (those of Keras 3.15, seen under the
oracle)."""

import warnings

import numpy as np
import pytest

import minikeras
from minikeras import layers, utils
from minikeras.compat import tensorflow as tf
from minikeras.models import data as data_lib

RNG = np.random.RandomState(0)
X = RNG.rand(20, 3).astype("float32")
Y = (X.sum(axis=1) > 1.5).astype("float32")
W = RNG.rand(20).astype("float32")
RAN_OUT = "Your input ran out of data; interrupting training."


def model():
    minikeras.utils.set_random_seed(1)
    m = minikeras.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"),
                              layers.Dense(1, activation="sigmoid")])
    m.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return m


def slices(*arrays):
    return tf.data.Dataset.from_tensor_slices(arrays)


class Batches(utils.PyDataset):
    """Batches of 8 rows of X, Y (and W); logs its calls."""

    def __init__(self, weighted=False, count=3, **kwargs):
        super().__init__(**kwargs)
        self.weighted, self.count, self.log = weighted, count, []

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        assert 0 <= index < self.count, "asked for a batch past the end"
        self.log.append(index)
        rows = slice(index * 8, (index + 1) * 8)
        return (X[rows], Y[rows], W[rows]) if self.weighted else (X[rows], Y[rows])

    def on_epoch_begin(self):
        self.log.append("begin")

    def on_epoch_end(self):
        self.log.append("end")


class PlainSequence:
    """A Keras-style sequence of batches that subclasses nothing and never raises IndexError."""

    def __len__(self):
        return 3

    def __getitem__(self, index):
        assert index < 3, "asked for a batch past the end"
        return X[index * 8:(index + 1) * 8], Y[index * 8:(index + 1) * 8]


SOURCES = {
    "dataset": lambda: slices(X, Y).batch(8),
    "weighted_dataset": lambda: slices(X, Y, W).batch(8),
    "prefetched_map": lambda: slices(X, Y).map(lambda x, y: (x * 1.0, y)).batch(8).prefetch(
        tf.data.AUTOTUNE),
    "generator_dataset": lambda: tf.data.Dataset.from_generator(
        lambda: ((X[i:i + 8], Y[i:i + 8]) for i in range(0, 20, 8)),
        output_signature=(tf.TensorSpec((None, 3), tf.float32), tf.TensorSpec((None,)))),
    "py_dataset": lambda: Batches(),
    "weighted_py_dataset": lambda: Batches(weighted=True),
    "plain_sequence": lambda: PlainSequence(),
}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_fit_evaluate_predict_give_what_the_same_arrays_give(name):
    weighted = name.startswith("weighted")
    arrays = dict(x=X, y=Y, sample_weight=W if weighted else None, batch_size=8)
    expected = model().fit(**arrays, epochs=3, shuffle=False, verbose=0,
                           validation_data=(X[:10], Y[:10])).history
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown lengths end each epoch with Keras' warning
        m = model()
        history = m.fit(SOURCES[name](), epochs=3, shuffle=False, verbose=0,
                        validation_data=slices(X[:10], Y[:10]).batch(8)).history
        evaluated = m.evaluate(SOURCES[name](), verbose=0)
        predicted = m.predict(SOURCES[name](), verbose=0)
    assert history == expected
    reference = model()
    reference.fit(**arrays, epochs=3, shuffle=False, verbose=0)
    assert evaluated == reference.evaluate(**arrays, verbose=0)
    np.testing.assert_array_equal(predicted, reference.predict(X, batch_size=8, verbose=0))


def test_steps_per_epoch_on_a_repeated_dataset_continues_the_stream():
    # 12 batches of 4 from 20 rows: the rows three times over, as arrays.
    expected = model().fit(np.tile(X, (3, 1)), np.tile(Y, 3), batch_size=4, epochs=4,
                           steps_per_epoch=3, shuffle=False, verbose=0).history
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an endless dataset never runs out
        history = model().fit(slices(X, Y).batch(4).repeat(), epochs=4, steps_per_epoch=3,
                              verbose=0, shuffle=False).history
    assert history == expected
    m = model()
    assert m.evaluate(slices(X, Y).batch(4).repeat(), steps=2, verbose=0) == m.evaluate(
        X[:8], Y[:8], batch_size=4, verbose=0)
    assert m.predict(slices(X).batch(4).repeat(), steps=3, verbose=0).shape == (12, 1)


def test_an_endless_dataset_needs_steps():
    for call in (lambda m, ds: m.fit(ds, shuffle=False, verbose=0),
                 lambda m, ds: m.evaluate(ds, verbose=0),
                 lambda m, ds: m.predict(ds, verbose=0)):
        with pytest.raises(ValueError, match="When passing an infinitely repeating dataset, "
                                             "please specify a `steps_per_epoch` value"):
            call(model(), slices(X, Y).batch(4).repeat())


def test_a_dataset_that_runs_out_ends_the_epoch_with_keras_warning():
    with pytest.warns(UserWarning, match=RAN_OUT) as caught:
        history = model().fit(slices(X, Y).batch(8), epochs=3, steps_per_epoch=2,
                              shuffle=False, verbose=0).history
    # 3 batches, 2 a step: epoch 1 takes two, epoch 2 the last one and runs out, epoch 3 starts
    # again (Keras 3 does the same).
    assert len(history["loss"]) == 3 and sum(RAN_OUT in str(w.message) for w in caught) == 1


def test_a_dataset_of_unknown_length_warns_at_the_end_of_every_epoch_as_keras():
    generated = SOURCES["generator_dataset"]()
    with pytest.warns(UserWarning) as caught:
        model().fit(generated, epochs=3, verbose=0, shuffle=False)
    assert sum(RAN_OUT in str(w.message) for w in caught) == 3


def test_py_dataset_epochs_call_the_hooks_around_len_batches():
    batches = Batches()
    model().fit(batches, epochs=2, shuffle=False, verbose=0)
    assert batches.log == ["begin", 0, 1, 2, "end", "begin", 0, 1, 2, "end"]
    batches.log.clear()
    model().evaluate(batches, verbose=0)
    model().predict(batches, verbose=0)
    assert batches.log == ["begin", 0, 1, 2, "end"] * 2


def test_py_dataset_batches_are_shuffled_each_epoch_by_default():
    batches = Batches(count=2)
    minikeras.utils.set_random_seed(3)
    model().fit(batches, epochs=12, verbose=0)
    orders = [tuple(batches.log[i + 1:i + 3]) for i in range(0, len(batches.log), 4)]
    assert set(orders) == {(0, 1), (1, 0)}


def test_py_dataset_steps_per_epoch_continues_the_pass_and_warns_when_it_runs_out():
    batches = Batches()
    with pytest.warns(UserWarning, match=RAN_OUT):
        model().fit(batches, epochs=3, steps_per_epoch=2, shuffle=False, verbose=0)
    assert [i for i in batches.log if isinstance(i, int)] == [0, 1, 2, 0, 1]


def test_py_dataset_keeps_keras_arguments_and_num_batches():
    batches = Batches(workers=4, use_multiprocessing=True, max_queue_size=3)
    assert (batches.workers, batches.use_multiprocessing, batches.max_queue_size) == (4, True, 3)
    assert batches.num_batches == 3 and utils.Sequence is utils.PyDataset
    assert [len(b[0]) for b in batches] == [8, 8, 4]


def test_endless_py_dataset_runs_steps_and_warns_that_shuffle_is_ignored():
    class Endless(utils.PyDataset):
        num_batches = None

        def __getitem__(self, index):
            return X[:4], Y[:4]

    with pytest.warns(UserWarning, match="provided as an infinite PyDataset"):
        history = model().fit(Endless(), epochs=2, steps_per_epoch=3, verbose=0).history
    assert len(history["loss"]) == 2


def test_py_dataset_without_super_init_gets_keras_warning():
    class NoSuper(utils.PyDataset):
        def __init__(self):
            self.n = 1

        def __len__(self):
            return 1

        def __getitem__(self, index):
            return X[:4], Y[:4]

    with pytest.warns(UserWarning, match=r"should call `super\(\).__init__\(\*\*kwargs\)`"):
        model().fit(NoSuper(), verbose=0)


@pytest.mark.parametrize("source, kind", [(lambda: slices(X, Y).batch(4), "tf.data.Dataset"),
                                          (Batches, "PyDataset")])
def test_targets_given_apart_from_a_dataset_are_refused(source, kind):
    with pytest.raises(ValueError, match=f"When providing `x` as a {kind}, `y` should not be "
                                         f"passed. Instead, the targets should be included as "
                                         f"part of the {kind}."):
        model().fit(source(), Y, verbose=0)
    with pytest.raises(ValueError, match=r"`sample_weights` should not be passed"):
        model().fit(source(), sample_weight=W, verbose=0)


def test_keras_messages_for_shuffle_and_validation_split_on_datasets():
    with pytest.warns(UserWarning, match=r"`shuffle=True` was passed, but will be ignored since "
                                         r"the data `x` was provided as a tf.data.Dataset"):
        model().fit(slices(X, Y).batch(4), verbose=0)
    with pytest.raises(ValueError, match="Argument `validation_split` is only supported for "
                                         "tensors or NumPy arrays.Found incompatible type"):
        model().fit(slices(X, Y).batch(4), validation_split=0.2, verbose=0)


def test_py_dataset_items_must_be_batches():
    class Wrong(utils.PyDataset):
        def __len__(self):
            return 1

        def __getitem__(self, index):
            return (X, Y, W, W)

    with pytest.raises(ValueError, match=r"PyDataset.__getitem__\(\) must return a tuple or a "
                                         r"dict"):
        model().fit(Wrong(), verbose=0)


def test_dict_and_tuple_inputs_reach_the_model_as_float32_structures():
    ds = tf.data.Dataset.from_tensor_slices(({"b": X.astype("float64"), "a": X[:, :1]}, Y))
    batches = data_lib.make_batches(ds.batch(8))
    x, y, w = next(batches.batches())
    assert sorted(x) == ["a", "b"] and x["b"].dtype == np.float32 and x["b"].shape == (8, 3)
    assert w is None and batches.steps == 3 and batches.batch_size is None
    pair = data_lib.make_batches(tf.data.Dataset.from_tensor_slices(((X, X), Y)).batch(5))
    (first, second), _, _ = next(pair.batches())
    assert first.shape == second.shape == (5, 3)


def test_fit_streams_a_generator_dataset_batch_by_batch():
    produced = []

    def rows():
        for i in range(10**9):
            produced.append(i)
            yield X[i % 20], Y[i % 20]

    ds = tf.data.Dataset.from_generator(rows, output_signature=(
        tf.TensorSpec((3,), tf.float32), tf.TensorSpec((), tf.float32)))
    model().fit(ds.batch(10), epochs=2, steps_per_epoch=3, shuffle=False, verbose=0)
    assert len(produced) <= 61  # six batches of ten, and nothing read ahead beyond one row


@pytest.mark.parametrize("args, packed", [
    ((X,), X),  # one x: no tuple
    (((X, X),), ((X, X),)),  # a tuple x: wrapped, so that it is not read as (x, y)
    (([X, X],), ([X, X],)),
    ((X, Y), (X, Y)),
    ((X, Y, W), (X, Y, W)),
])
def test_pack_and_unpack_x_y_sample_weight(args, packed):
    got = utils.pack_x_y_sample_weight(*args)
    assert type(got) is type(packed) and (got is X or len(got) == len(packed))
    x, y, sample_weight = utils.unpack_x_y_sample_weight(got)
    assert x is args[0]
    assert y is (args[1] if len(args) > 1 else None)
    assert sample_weight is (args[2] if len(args) > 2 else None)


def test_unpack_rejects_four_items():
    with pytest.raises(ValueError, match=r"`\(x, y, sample_weight\)`, found"):
        utils.unpack_x_y_sample_weight((X, Y, W, W))


def test_utils_names_keras_puts_there():
    assert utils.is_keras_tensor(minikeras.Input((3,)))
    assert not utils.is_keras_tensor(np.zeros(3))
    assert utils.standardize_dtype(np.float64) == "float64"
    config = utils.serialize_keras_object(layers.Dense(3, name="d"))
    layer = utils.deserialize_keras_object(config)
    assert (type(layer).__name__, layer.units, layer.name) == ("Dense", 3, "d")
