"""Bad arguments to the training API, played under real Keras 3 by compat/make_bad_arguments.py
(which records what each raised, or returned, in compat/data/bad_arguments.json) and under
minikeras by tests/test_bad_arguments.py (which compares).

A case is a function of the library (`keras` or `minikeras`) returning something JSON can hold
(a history, a shape, a repr) or raising. Where Keras raises, minikeras raises the same type;
`says` lists what its message must contain to tell the user what to do (Keras' own words where
they do, ours where Keras' error comes from deep inside TensorFlow). Where Keras returns, the
results must agree (histories to float32 precision). Two documented departures: Python lists
of lists are accepted as arrays (`same_as` names the array case whose Keras result they must
give), and a `class_weight` key that is not a class index is ignored as Keras ignores it, but
with a warning (`warns`).

Only numpy and the standard library here: the same code must run under both.
"""

import dataclasses
import warnings

import numpy as np

ROWS, FEATURES = 20, 4


@dataclasses.dataclass(frozen=True)
class Case:
    run: object
    says: tuple = ()  # phrases minikeras' message must contain, where Keras raises
    same_as: str = None  # the case whose Keras result this one must give (a departure)
    warns: str = None  # a warning minikeras gives where Keras is silent (a departure)


def make_data():
    rng = np.random.default_rng(16)
    x = rng.random((ROWS, FEATURES)).astype("float32")
    return {
        "x": x,
        "y": (x @ np.array([[1.0], [-2.0], [0.5], [1.5]], "float32")).astype("float32"),
        "labels": (x[:, :1] > 0.5).astype("int32"),
    }


DATA = make_data()


def model(lib, loss="mse", units=1, **compile_args):
    """A Dense model from fixed weights, compiled with SGD: its training is deterministic."""
    net = lib.Sequential([lib.Input((FEATURES,)),
                          lib.layers.Dense(units, kernel_initializer="ones")])
    net.compile("sgd", loss, **compile_args)
    return net


def fit(lib, *args, compile_args=None, **kwargs):
    """`fit` without shuffling or printing; returns `history.history`."""
    net = model(lib, **(compile_args or {}))
    return net.fit(*args, verbose=0, shuffle=False, **kwargs).history


def batches(x, y=None, count=3):
    for start in range(0, count * 5, 5):
        yield x[start:start + 5] if y is None else (x[start:start + 5], y[start:start + 5])


def nothing():
    return
    yield


x, y, labels = DATA["x"], DATA["y"], DATA["labels"]

CASES = {
    # Targets missing where the compiled loss needs them (minikeras trained on NaN).
    # Keras 3 raises a KeyError ("pop from an empty set") from its array adapter for a None `x`.
    "fit_x_none": Case(lambda lib: fit(lib, None), says=("`x` is None", "input data")),
    "fit_x_none_with_y": Case(lambda lib: fit(lib, x=None, y=y),
                              says=("`x` is None", "input data")),
    "evaluate_x_none": Case(lambda lib: model(lib).evaluate(None, y, verbose=0),
                            says=("`x` is None",)),
    "predict_x_none": Case(lambda lib: model(lib).predict(None, verbose=0), says=("`x` is None",)),
    "fit_without_y": Case(lambda lib: fit(lib, x), says=("`y`", "(x, y)")),
    "evaluate_without_y": Case(lambda lib: model(lib).evaluate(x, verbose=0),
                               says=("`y`", "(x, y)")),
    "validation_data_without_y": Case(
        lambda lib: fit(lib, x, y, validation_data=(x,)),
        says=("validation_data", "(x_val, y_val)")),
    "generator_of_bare_arrays": Case(lambda lib: fit(lib, batches(x)), says=("`y`", "(x, y)")),
    # Empty generators (minikeras returned an empty history).
    "fit_empty_generator": Case(lambda lib: fit(lib, nothing()),
                                says=("must yield at least one batch",)),
    "fit_empty_generator_with_steps": Case(
        lambda lib: fit(lib, nothing(), steps_per_epoch=2),
        says=("must yield at least one batch",)),
    "evaluate_empty_generator": Case(lambda lib: model(lib).evaluate(nothing(), verbose=0),
                                     says=("must yield at least one batch",)),
    "predict_empty_generator": Case(lambda lib: model(lib).predict(nothing(), verbose=0),
                                    says=("must yield at least one batch",)),
    # Counts (minikeras ran with them).
    "fit_negative_batch_size": Case(lambda lib: fit(lib, x, y, batch_size=-1),
                                    says=("batch_size=-1", "positive integer")),
    "fit_float_batch_size": Case(lambda lib: fit(lib, x, y, batch_size=2.5),
                                 says=("batch_size=2.5", "integer")),
    "fit_zero_batch_size": Case(lambda lib: fit(lib, x, y, batch_size=0)),
    "fit_negative_steps_per_epoch": Case(lambda lib: fit(lib, x, y, steps_per_epoch=-2),
                                         says=("steps_per_epoch=-2", "positive integer")),
    "fit_zero_steps_per_epoch": Case(lambda lib: fit(lib, x, y, steps_per_epoch=0)),
    "fit_negative_validation_steps": Case(
        lambda lib: fit(lib, x, y, validation_data=(x, y), validation_steps=-1),
        says=("validation_steps=-1", "positive integer")),
    "fit_negative_validation_batch_size": Case(
        lambda lib: fit(lib, x, y, validation_data=(x, y), validation_batch_size=-1),
        says=("validation_batch_size=-1", "positive integer")),
    "evaluate_negative_batch_size": Case(
        lambda lib: model(lib).evaluate(x, y, batch_size=-3, verbose=0),
        says=("batch_size=-3", "positive integer")),
    "predict_negative_batch_size": Case(
        lambda lib: model(lib).predict(x, batch_size=-3, verbose=0).shape,
        says=("batch_size=-3", "positive integer")),
    "predict_float_batch_size": Case(
        lambda lib: model(lib).predict(x, batch_size=2.0, verbose=0).shape,
        says=("batch_size=2.0", "integer")),
    "predict_negative_steps": Case(lambda lib: model(lib).predict(x, steps=-3, verbose=0).shape,
                                   says=("steps=-3", "positive integer")),
    "predict_zero_batch_size": Case(
        lambda lib: list(model(lib).predict(x, batch_size=0, verbose=0).shape)),
    # Shapes and dtypes of layers.
    "input_negative_dimension": Case(lambda lib: repr(lib.Input(shape=(-1,)).shape),
                                     says=("(-1,)", "Negative dimensions are not allowed")),
    "input_negative_batch_shape": Case(lambda lib: repr(lib.Input(batch_shape=(-2, 3)).shape),
                                       says=("(-2, 3)", "Negative dimensions are not allowed")),
    "input_layer_negative_dimension": Case(
        lambda lib: lib.layers.InputLayer(shape=(-1,)).batch_shape,
        says=("(-1,)", "Negative dimensions are not allowed")),
    "input_float_dimension": Case(lambda lib: repr(lib.Input(shape=(2.5,)).shape),
                                  says=("(2.5,)", "invalid dimension '2.5'")),
    "input_zero_dimension": Case(lambda lib: list(lib.Input((0,)).shape)),
    "dense_object_dtype": Case(lambda lib: lib.layers.Dense(1, dtype="object").units,
                               says=("'object'", "float")),
    "dense_complex_dtype": Case(
        lambda lib: str(lib.layers.Dense(1, dtype="complex64")(np.ones((2, 3), "complex64")).dtype),
        says=("complex64", "float32")),
    "dense_unknown_dtype": Case(lambda lib: lib.layers.Dense(1, dtype="bogus").units,
                                says=("'bogus'", "float")),
    "dense_on_strings": Case(lambda lib: lib.layers.Dense(1)(np.array([["a"] * 4] * 2)),
                             says=("string", "Dense")),
    "fit_on_strings": Case(lambda lib: fit(lib, np.array([["a"] * FEATURES] * ROWS), y),
                           says=("str32", "strings")),
    "predict_on_strings": Case(
        lambda lib: model(lib).predict(np.array([["a"] * FEATURES] * ROWS), verbose=0),
        says=("str32", "strings")),
    "predict_on_ragged_lists": Case(
        lambda lib: model(lib).predict([[1.0, 2, 3, 4], [1.0, 2]], verbose=0),
        says=("Unrecognized data type", "x=")),
    # Python lists of lists: Keras refuses them; minikeras takes them as the arrays they spell.
    "fit_arrays": Case(lambda lib: fit(lib, x, y, epochs=2)),
    "fit_lists": Case(lambda lib: fit(lib, x.tolist(), y.tolist(), epochs=2), same_as="fit_arrays"),
    "predict_arrays": Case(lambda lib: model(lib).predict(x, verbose=0).tolist()),
    "predict_lists": Case(lambda lib: model(lib).predict(x.tolist(), verbose=0).tolist(),
                          same_as="predict_arrays"),
    # compile.
    "loss_weights_for_two_outputs": Case(lambda lib: fit(lib, x, y, compile_args={
        "loss_weights": [1, 2]}), says=("`loss_weights` must match the number of losses",)),
    "loss_weights_empty": Case(lambda lib: fit(lib, x, y, compile_args={"loss_weights": []}),
                               says=("`loss_weights` must match the number of losses",)),
    "loss_weights_for_one_output": Case(
        lambda lib: fit(lib, x, y, compile_args={"loss_weights": [2.0]})),
    "compile_unknown_argument": Case(lambda lib: model(lib, bogus=1).name, says=("'bogus'",)),
    # No rows (minikeras averaged over nothing).
    "fit_no_rows": Case(lambda lib: fit(lib, x[:0], y[:0], epochs=2)),
    "fit_no_rows_with_validation": Case(
        lambda lib: fit(lib, x[:0], y[:0], validation_data=(x, y), epochs=2)),
    "evaluate_no_rows": Case(lambda lib: model(lib).evaluate(x[:0], y[:0], verbose=0)),
    "evaluate_no_rows_as_dict": Case(
        lambda lib: model(lib).evaluate(x[:0], y[:0], verbose=0, return_dict=True)),
    # validation_split outside (0, 1): Keras keeps its slicing rule.
    "negative_validation_split": Case(lambda lib: fit(lib, x, y, validation_split=-0.1)),
    "validation_split_above_one": Case(lambda lib: fit(lib, x, y, validation_split=1.5)),
    "validation_split_of_one": Case(lambda lib: fit(lib, x, y, validation_split=1.0),
                                    says=("validation_split=1.0",)),
    # class_weight: Keras weighs each row by `class_weight.get(int(label), 1.0)`.
    "class_weight": Case(lambda lib: fit(lib, x, labels, class_weight={0: 1.0, 1: 5.0})),
    "class_weight_float_keys": Case(lambda lib: fit(lib, x, labels, class_weight={0.0: 1, 1.0: 5})),
    "class_weight_missing_class": Case(lambda lib: fit(lib, x, labels, class_weight={1: 5.0})),
    "class_weight_string_keys": Case(
        lambda lib: fit(lib, x, labels, class_weight={"0": 1.0, "1": 5.0}),
        warns="not class indices"),
    # Unknown keyword arguments: Keras' types.
    "fit_unknown_argument": Case(lambda lib: fit(lib, x, y, bogus=1), says=("'bogus'",)),
    "evaluate_unknown_argument": Case(lambda lib: model(lib).evaluate(x, y, bogus=1, verbose=0),
                                      says=("'bogus'",)),
    "predict_unknown_argument": Case(lambda lib: model(lib).predict(x, bogus=1, verbose=0),
                                     says=("'bogus'",)),
}


def play(lib, case):
    """What `case` gives under `lib`: `{"result": ..., "warnings": [...]}` or `{"error":
    [type name, message]}`; the warnings are the user-facing ones (UserWarning)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = case.run(lib)
        except Exception as error:
            return {"error": [type(error).__name__, str(error)]}
    said = sorted({str(w.message) for w in caught if w.category is UserWarning})
    return {"result": _plain(result), "warnings": said}


def _plain(value):
    """`value` with numpy scalars and tuples as JSON keeps them."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
