"""`MultiOptimizer` and `OptimizerMap` against Keras 3 (compat/data/multi_optimizer.json,
written by compat/make_multi_optimizer.py), and across a `.keras` file."""

import builtins
import json
import re

import numpy as np
import pytest
from conftest import COMPAT_DATA

import minikeras as mk
from minikeras import optimizers

REFERENCE = json.loads((COMPAT_DATA / "multi_optimizer.json").read_text())
X, Y = (np.array(REFERENCE[k], dtype="float32") for k in ("x", "y"))


def model_and_optimizer():
    model = mk.Sequential([mk.Input((4,)), mk.layers.Dense(3, name="first"),
                           mk.layers.Dense(2, name="second")])
    model.set_weights([np.array(w, dtype="float32") for w in REFERENCE["start"]])
    optimizer = optimizers.MultiOptimizer(optimizers.OptimizerMap(
        optimizers.SGD(0.1, momentum=0.5),
        {".*first/kernel": optimizers.Adam(0.01), ".*bias": optimizers.RMSprop(0.02)}))
    model.compile(optimizer, "mse")
    return model, optimizer


def test_fit_moves_each_variable_by_its_own_optimizer_as_keras_does():
    model, optimizer = model_and_optimizer()
    model.fit(X, Y, epochs=2, batch_size=4, verbose=0, shuffle=False)
    for ours, theirs in zip(model.get_weights(), REFERENCE["weights"], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert [v.path for v in optimizer.variables] == REFERENCE["paths"]
    for ours, theirs in zip(optimizer.variables, REFERENCE["values"], strict=True):
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-5, atol=1e-6)
    assert [int(optimizer.iterations.numpy())] + [
        int(np.asarray(o.iterations)) for o in optimizer.optimizers] == REFERENCE["iterations"]
    assert optimizer.get_config() == REFERENCE["config"]


def test_training_resumes_exactly_from_a_keras_file(tmp_path):
    model, _ = model_and_optimizer()
    model.fit(X, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    model.save(tmp_path / "multi.keras")
    loaded = mk.models.load_model(tmp_path / "multi.keras")
    assert type(loaded.optimizer) is optimizers.MultiOptimizer
    for fitted in (model, loaded):
        fitted.fit(X, Y, epochs=1, batch_size=4, verbose=0, shuffle=False)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_function_may_choose_the_optimizers_and_apply_takes_gradients():
    adam, sgd = optimizers.Adam(0.1), optimizers.SGD(0.5)
    weights = [mk.Variable(np.ones(2, "float32"), name="w"), mk.Variable(np.ones(3, "float32"),
                                                                         name="v")]
    multi = optimizers.MultiOptimizer(lambda variable: adam if variable.name == "w" else sgd)
    multi.apply([np.ones(2, "float32"), np.ones(3, "float32")], weights)
    np.testing.assert_allclose(weights[1].numpy(), 0.5)  # SGD: 1 - 0.5 * 1
    np.testing.assert_allclose(weights[0].numpy(), 0.9, rtol=1e-5)  # Adam's first step: lr
    assert multi.optimizers == [adam, sgd] and int(multi.iterations.numpy()) == 1


@pytest.mark.parametrize("name", sorted(REFERENCE["errors"]))
def test_errors_are_keras(name):
    kind, message = REFERENCE["errors"][name]
    _, optimizer = model_and_optimizer()
    sgd = optimizers.SGD()
    attempts = {
        "learning_rate": lambda: optimizer.learning_rate,
        "set_learning_rate": lambda: setattr(optimizer, "learning_rate", 0.1),
        "default_not_an_optimizer": lambda: optimizers.OptimizerMap("sgd"),
        "map_not_a_dict": lambda: optimizers.OptimizerMap(sgd, [1]),
        "duplicate_key": lambda: optimizers.OptimizerMap(sgd, {"a": sgd}).__setitem__("a", sgd),
        "key_not_a_string": lambda: optimizers.OptimizerMap(sgd).__setitem__(3, sgd),
        "two_patterns": lambda: optimizers.OptimizerMap(
            sgd, {"a.*": sgd, ".*b": optimizers.Adam()})["ab"],
    }
    # An optimizer's repr (Keras': "<keras.src.optimizers.sgd.SGD object at 0x...>") is the
    # one part of a message not compared.
    pattern = ".*".join(map(re.escape, re.split(r"<keras\.src\.[^>]*>", message)))
    with pytest.raises(getattr(builtins, kind), match=f"^{pattern}$"):
        attempts[name]()
