"""pickle and copy.deepcopy of models, layers and optimizers: what joblib, Dask and
scikit-learn's `clone` rely on. A pickle carries state, never the scratch of training."""

import copy
import pickle

import numpy as np

import minikeras as mk


def _trained(optimizer="adam"):
    model = mk.Sequential([mk.Input((4,)), mk.layers.Dense(16, activation="relu"),
                           mk.layers.Dense(2)])
    model.compile(optimizer, "mse", metrics=["mae"])
    model.fit(X, Y, epochs=2, batch_size=16, verbose=0)
    return model


X = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
Y = np.random.default_rng(1).normal(size=(64, 2)).astype("float32")


def test_a_pickled_model_predicts_the_same_and_resumes_training_exactly():
    model = _trained()
    again = pickle.loads(pickle.dumps(model))
    assert again is not model and again.compiled and again.name == model.name
    np.testing.assert_array_equal(again.predict(X, verbose=0), model.predict(X, verbose=0))
    # Adam's moments and step count came along: the next epoch is the same epoch.
    for m in (model, again):
        m.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    np.testing.assert_array_equal(again.predict(X, verbose=0), model.predict(X, verbose=0))


class Scale(mk.layers.Layer):
    """A user layer no registry knows."""

    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_custom_layers_pickle_without_registration():
    model = mk.Sequential([mk.Input((4,)), mk.layers.Dense(3), Scale(3.0)])
    again = copy.deepcopy(model)
    assert type(again.layers[1]) is Scale and again.layers[1].factor == 3.0
    np.testing.assert_array_equal(again.predict(X, verbose=0), model.predict(X, verbose=0))


def test_a_layer_pickles_as_its_config_and_weights():
    layer = mk.layers.Dense(5, activation="tanh", name="hidden")
    layer(X, training=True)  # a training call leaves what its backward pass needs
    again = pickle.loads(pickle.dumps(layer))
    assert (again.name, again.units, again.activation) == ("hidden", 5, mk.activations.tanh)
    for mine, theirs in zip(layer.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(mine, theirs)
    assert set(vars(again)) <= set(vars(mk.layers.Dense(5)))  # nothing a call left behind


def test_a_pickled_optimizer_leaves_its_buffers_and_remakes_them():
    optimizer = _trained("rmsprop").optimizer
    state = optimizer.__getstate__()
    assert "_scratch" not in state and "_gradient_buffers" not in state
    again = pickle.loads(pickle.dumps(optimizer))
    assert int(again.iterations) == int(optimizer.iterations) == 8
    assert [[b.shape for b in s] for s in again._scratch] == [[b.shape for b in s]
                                                              for s in optimizer._scratch]
