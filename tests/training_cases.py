"""The training runs compared with Keras 3, shared by compat/make_training.py (which plays them
on Keras and records the results in compat/data/training.{json,npz}) and tests/test_training.py
(which replays them on minikeras).

A case is data: the layers, `compile` and `fit` arguments of one run. Objects are written as
recipes, `new("optimizers.Adam", learning_rate=0.01)`, which `realize(lib, ...)` turns into
objects of `lib`, the `keras` or the `minikeras` module; `array("x_val")` names a data array,
and paths starting with `user.` name the user code of `user_objects(lib)`: a loss, a metric, a
regularizer, a schedule and a layer written with `lib.ops`, defined once for both libraries.

Only numpy and the standard library here: the same code must run under both.
"""

import contextlib
import functools
import io
import types

import numpy as np

INPUT_DIM = 6
BATCH_SIZE = 16  # does not divide the 50 rows: every epoch ends on a partial batch


# ----------------------------------------------------------------------------------------------
# Recipes


class Recipe:
    """`lib.<path>(**kwargs)`; without kwargs (`ref`), the object at `lib.<path>` itself."""

    def __init__(self, path, kwargs=None):
        self.path, self.kwargs = path, kwargs

    def __repr__(self):
        return f"Recipe({self.path!r}, {self.kwargs!r})"


def new(path, **kwargs):
    return Recipe(path, kwargs)


def ref(path):
    return Recipe(path)


def array(name):
    return Recipe("data." + name)


def realize(lib, value, data=None):
    """`value` with every recipe in it (inside lists, tuples and dicts) made with `lib`."""
    if isinstance(value, Recipe):
        head, _, rest = value.path.partition(".")
        if head == "data":
            return data[rest]
        target = user_objects(lib) if head == "user" else lib
        for name in (rest if head == "user" else value.path).split("."):
            target = getattr(target, name)
        if value.kwargs is None:
            return target
        return target(**realize(lib, value.kwargs, data))
    if isinstance(value, dict):
        return {key: realize(lib, item, data) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(realize(lib, item, data) for item in value)
    return value


# ----------------------------------------------------------------------------------------------
# User code, written the same way for Keras and minikeras


@functools.lru_cache(maxsize=None)
def user_objects(lib):
    """A loss, a metric, a `Loss`, a `Regularizer`, a schedule and a `Layer` written with
    `lib.ops`, as a user writes them."""
    ops = lib.ops

    def squared_plus_abs(y_true, y_pred):
        error = y_pred - y_true
        return ops.mean(0.5 * ops.square(error) + 0.1 * ops.abs(error), axis=-1)

    def max_abs_error(y_true, y_pred):
        return ops.max(ops.abs(y_true - y_pred), axis=-1)

    class SoftL1(lib.losses.Loss):
        def call(self, y_true, y_pred):
            return ops.mean(ops.sqrt(ops.square(y_pred - y_true) + 0.25), axis=-1)

    class Smoothness(lib.regularizers.Regularizer):
        def __init__(self, factor=0.01):
            self.factor = factor

        def __call__(self, x):
            return self.factor * ops.sum(ops.log(1.0 + ops.square(x)))

        def get_config(self):
            return {"factor": self.factor}

    class GatedDense(lib.layers.Layer):
        """`tanh(x @ kernel) * sigmoid(gate)`: a layer with its own weights and ops."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="glorot_uniform", name="kernel"
            )
            self.gate = self.add_weight(shape=(self.units,), initializer="zeros", name="gate")

        def call(self, inputs):
            return ops.tanh(ops.matmul(inputs, self.kernel)) * ops.sigmoid(self.gate)

    def halve_after_first(epoch, learning_rate):
        return learning_rate if epoch == 0 else learning_rate * 0.5

    class StopAfterBatch(lib.callbacks.Callback):
        """Sets `model.stop_training` after batch `batch` of epoch `epoch`."""

        def __init__(self, epoch, batch):
            super().__init__()
            self.stop_at, self.epoch = (epoch, batch), None

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if (self.epoch, batch) == self.stop_at:
                self.model.stop_training = True

    return types.SimpleNamespace(
        squared_plus_abs=squared_plus_abs,
        max_abs_error=max_abs_error,
        SoftL1=SoftL1,
        Smoothness=Smoothness,
        GatedDense=GatedDense,
        halve_after_first=halve_after_first,
        StopAfterBatch=StopAfterBatch,
    )


# ----------------------------------------------------------------------------------------------
# Data


def make_data(seed=0):
    """Fixed inputs (50 x 6 float32) and every kind of target the cases use."""
    rng = np.random.default_rng(seed)
    n, n_val = 50, 20

    def inputs(rows):
        return rng.normal(size=(rows, INPUT_DIM)).astype("float32")

    data = {"x": inputs(n), "x_val": inputs(n_val)}
    data["x_nan"] = data["x"].copy()
    data["x_nan"][20, 3] = np.nan  # in the second batch
    for suffix, rows in (("", n), ("_val", n_val)):
        labels = rng.integers(0, 3, rows)
        data["labels" + suffix] = labels.astype("int64")
        data["onehot" + suffix] = np.eye(3, dtype="float32")[labels]
        data["sw" + suffix] = rng.uniform(0.2, 2.0, rows).astype("float32")
    data["binary"] = rng.integers(0, 2, (n, 1)).astype("float32")
    data["multilabel"] = rng.integers(0, 2, (n, 3)).astype("float32")
    data["regression"] = rng.normal(size=(n, 3)).astype("float32")
    data["positive"] = rng.uniform(0.5, 3.0, (n, 3)).astype("float32")
    data["counts"] = rng.poisson(1.5, (n, 3)).astype("float32")
    distribution = rng.uniform(0.05, 1.0, (n, 3))
    data["distribution"] = (distribution / distribution.sum(-1, keepdims=True)).astype("float32")
    return data


def initial_weights(shapes, seed):
    """Fixed starting weights: kernels ~ N(0, 0.5), vectors ~ N(0, 0.1)."""
    rng = np.random.default_rng(seed)
    return [
        (rng.normal(size=shape) * (0.5 if len(shape) > 1 else 0.1)).astype("float32")
        for shape in shapes
    ]


# ----------------------------------------------------------------------------------------------
# Cases


def dense(units, activation=None, **kwargs):
    return new("layers.Dense", units=units, activation=activation, **kwargs)


CLASSIFIER = [dense(8, "tanh"), dense(3, "softmax")]
LINEAR = [dense(8, "tanh"), dense(3)]
ADAM = new("optimizers.Adam", learning_rate=0.01)
SGD = new("optimizers.SGD", learning_rate=0.1)


def case(layers=CLASSIFIER, optimizer=ADAM, loss="categorical_crossentropy", y="onehot",
         metrics=None, weighted_metrics=None, x="x", **fit):
    """One run: `fit(data[x], data[y], batch_size=16, epochs=3, shuffle=False, verbose=0,
    **fit)`."""
    compile_args = {"optimizer": optimizer, "loss": loss}
    if metrics is not None:
        compile_args["metrics"] = metrics
    if weighted_metrics is not None:
        compile_args["weighted_metrics"] = weighted_metrics
    fit_args = {"batch_size": BATCH_SIZE, "epochs": 3, "shuffle": False, "verbose": 0, **fit}
    return {"layers": layers, "compile": compile_args, "x": x, "y": y, "fit": fit_args}


def optimizer(name, **kwargs):
    return new("optimizers." + name, **kwargs)


def loss(name, **kwargs):
    return new("losses." + name, **kwargs)


def schedule(name, **kwargs):
    return new("optimizers.schedules." + name, **kwargs)


def callback(name, **kwargs):
    return new("callbacks." + name, **kwargs)


SIGMOID_1 = [dense(8, "relu"), dense(1, "sigmoid")]
SIGMOID_3 = [dense(8, "tanh"), dense(3, "sigmoid")]
SOFTPLUS = [dense(8, "tanh"), dense(3, "softplus")]

CASES = {
    # Every optimizer, on a softmax classifier with categorical crossentropy.
    "sgd": case(optimizer=SGD),
    "sgd_momentum": case(optimizer=optimizer("SGD", learning_rate=0.05, momentum=0.9)),
    "sgd_nesterov": case(optimizer=optimizer("SGD", learning_rate=0.05, momentum=0.9,
                                             nesterov=True)),
    "rmsprop": case(optimizer=optimizer("RMSprop", learning_rate=0.01)),
    "rmsprop_momentum": case(optimizer=optimizer("RMSprop", learning_rate=0.01, momentum=0.5)),
    "rmsprop_centered": case(optimizer=optimizer("RMSprop", learning_rate=0.01, centered=True)),
    "adam": case(),
    "adam_amsgrad": case(optimizer=optimizer("Adam", learning_rate=0.01, amsgrad=True)),
    "adamw": case(optimizer=optimizer("AdamW", learning_rate=0.01, weight_decay=0.1)),
    "adagrad": case(optimizer=optimizer("Adagrad", learning_rate=0.1)),
    "adadelta": case(optimizer=optimizer("Adadelta", learning_rate=1.0)),
    "adamax": case(optimizer=optimizer("Adamax", learning_rate=0.02)),
    "nadam": case(optimizer=optimizer("Nadam", learning_rate=0.01)),
    "lion": case(optimizer=optimizer("Lion", learning_rate=0.003)),
    "ftrl": case(optimizer=optimizer("Ftrl", learning_rate=0.1)),
    "ftrl_regularized": case(optimizer=optimizer(
        "Ftrl", learning_rate=0.1, l1_regularization_strength=0.001,
        l2_regularization_strength=0.01, l2_shrinkage_regularization_strength=0.01)),
    "optimizer_by_name": case(optimizer="rmsprop"),
    # Clipping, weight decay and schedules.
    "adam_clipnorm": case(optimizer=optimizer("Adam", learning_rate=0.01, clipnorm=0.1)),
    "sgd_clipvalue": case(optimizer=optimizer("SGD", learning_rate=0.1, clipvalue=0.05)),
    "sgd_global_clipnorm": case(optimizer=optimizer("SGD", learning_rate=0.1,
                                                    global_clipnorm=0.2)),
    "sgd_weight_decay": case(optimizer=optimizer("SGD", learning_rate=0.1, weight_decay=0.05)),
    "adam_weight_decay": case(optimizer=optimizer("Adam", learning_rate=0.01,
                                                  weight_decay=0.05)),
    "sgd_exponential_decay": case(optimizer=optimizer(
        "SGD", learning_rate=schedule("ExponentialDecay", initial_learning_rate=0.2,
                                      decay_steps=3, decay_rate=0.5))),
    "adam_exponential_decay_staircase": case(optimizer=optimizer(
        "Adam", learning_rate=schedule("ExponentialDecay", initial_learning_rate=0.02,
                                       decay_steps=4, decay_rate=0.7, staircase=True))),
    "adam_cosine_decay": case(optimizer=optimizer(
        "Adam", learning_rate=schedule("CosineDecay", initial_learning_rate=0.0, decay_steps=8,
                                       warmup_target=0.02, warmup_steps=4))),
    # Every loss.
    "mse": case(LINEAR, loss="mse", y="regression"),
    "mae": case(LINEAR, loss="mae", y="regression"),
    "mape": case(LINEAR, loss="mape", y="positive"),
    "msle": case(SOFTPLUS, loss="msle", y="positive"),
    "huber": case(LINEAR, loss="huber", y="regression"),
    "huber_delta": case(LINEAR, loss=loss("Huber", delta=0.3), y="regression", optimizer=SGD),
    "log_cosh": case(LINEAR, loss="log_cosh", y="regression"),
    "binary_crossentropy": case(SIGMOID_1, loss="binary_crossentropy", y="binary"),
    "binary_crossentropy_multilabel": case(SIGMOID_3, loss="binary_crossentropy",
                                           y="multilabel", optimizer=SGD),
    "binary_crossentropy_smoothing": case(
        SIGMOID_3, loss=loss("BinaryCrossentropy", label_smoothing=0.2), y="multilabel"),
    "binary_crossentropy_logits": case(
        [dense(8, "relu"), dense(1)], loss=loss("BinaryCrossentropy", from_logits=True),
        y="binary"),
    "categorical_crossentropy": case(optimizer=SGD),
    "categorical_crossentropy_smoothing": case(
        loss=loss("CategoricalCrossentropy", label_smoothing=0.1)),
    "categorical_crossentropy_logits": case(
        LINEAR, loss=loss("CategoricalCrossentropy", from_logits=True)),
    "sparse_categorical_crossentropy": case(loss="sparse_categorical_crossentropy",
                                            y="labels"),
    "sparse_categorical_crossentropy_logits": case(
        LINEAR, loss=loss("SparseCategoricalCrossentropy", from_logits=True), y="labels",
        optimizer=SGD),
    "binary_focal_crossentropy": case(SIGMOID_1, loss="binary_focal_crossentropy",
                                      y="binary"),
    "binary_focal_crossentropy_balanced_logits": case(
        [dense(8, "relu"), dense(1)],
        loss=loss("BinaryFocalCrossentropy", apply_class_balancing=True, gamma=1.5,
                  from_logits=True), y="binary"),
    "categorical_focal_crossentropy": case(loss="categorical_focal_crossentropy"),
    "kl_divergence": case(loss="kl_divergence", y="distribution"),
    "poisson": case(SOFTPLUS, loss="poisson", y="counts"),
    "hinge": case(LINEAR, loss="hinge", y="multilabel"),
    "squared_hinge": case(LINEAR, loss="squared_hinge", y="multilabel"),
    "categorical_hinge": case(LINEAR, loss="categorical_hinge"),
    "cosine_similarity": case(LINEAR, loss="cosine_similarity", y="regression"),
    # Metrics: history keys, their order and values.
    "metrics_categorical": case(metrics=[
        "accuracy", "mae", new("metrics.AUC"), new("metrics.TopKCategoricalAccuracy", k=2),
        "categorical_crossentropy"]),
    "metrics_acc_alias": case(metrics=["acc"]),
    "metrics_binary": case(SIGMOID_1, loss="binary_crossentropy", y="binary", metrics=[
        "accuracy", new("metrics.AUC", name="auc_roc"), new("metrics.Precision"),
        new("metrics.Recall"), new("metrics.BinaryAccuracy", threshold=0.3, name="lenient")]),
    "metrics_sparse": case(loss="sparse_categorical_crossentropy", y="labels", metrics=[
        "accuracy", new("metrics.SparseTopKCategoricalAccuracy", k=2)]),
    "metrics_regression": case(LINEAR, loss="mse", y="regression", metrics=[
        "mae", "mse", new("metrics.RootMeanSquaredError"), new("metrics.R2Score"),
        new("metrics.CosineSimilarity"), new("metrics.LogCoshError")]),
    # Validation.
    "validation_split": case(metrics=["accuracy"], validation_split=0.2),
    "validation_data": case(metrics=["accuracy"],
                            validation_data=(array("x_val"), array("onehot_val"))),
    "validation_data_weighted": case(
        metrics=["accuracy"], weighted_metrics=["accuracy"],
        validation_data=(array("x_val"), array("onehot_val"), array("sw_val"))),
    "validation_freq": case(metrics=["accuracy"], validation_split=0.2, validation_freq=2),
    "validation_batch_size": case(validation_data=(array("x_val"), array("onehot_val")),
                                  validation_batch_size=7),
    # Sample and class weights.
    "sample_weight": case(metrics=["accuracy"], weighted_metrics=["accuracy"],
                          sample_weight=array("sw")),
    "sample_weight_regression": case(LINEAR, loss="mse", y="regression", metrics=["mae"],
                                     weighted_metrics=["mse"], sample_weight=array("sw")),
    "class_weight": case(metrics=["accuracy"], class_weight={0: 1.0, 1: 2.5, 2: 0.5}),
    "class_weight_sparse": case(loss="sparse_categorical_crossentropy", y="labels",
                                class_weight={0: 0.5, 1: 1.0, 2: 3.0}),
    # Errors Keras raises at `fit`.
    "error_class_and_sample_weight": case(sample_weight=array("sw"),
                                          class_weight={0: 2.0, 1: 1.0, 2: 0.5}),
    "error_validation_split_1": case(validation_split=1.0),
    "error_cardinality": case(sample_weight=array("sw_val")),
    # Regularizers and constraints.
    "regularizers": case(
        [dense(8, "tanh", kernel_regularizer=new("regularizers.L1L2", l1=0.01, l2=0.02),
               bias_regularizer=new("regularizers.L2", l2=0.05),
               activity_regularizer=new("regularizers.L1", l1=0.01)),
         dense(3, "softmax", kernel_regularizer="l2", activity_regularizer="l2")],
        validation_split=0.2),
    "constraints": case(
        [dense(8, "tanh", kernel_constraint=new("constraints.MaxNorm", max_value=1.0)),
         dense(3, "softmax", bias_constraint=new("constraints.NonNeg"),
               kernel_constraint="unit_norm")], optimizer=SGD),
    # Structure.
    "frozen_layer": case([dense(8, "tanh", trainable=False), dense(3, "softmax")]),
    "reshape_nd_dense": case(
        [new("layers.Reshape", target_shape=(2, 3)), dense(4, "relu"), new("layers.Flatten"),
         dense(3), new("layers.Activation", activation="softmax")]),
    "softmax_layer": case([dense(8, "tanh"), dense(3), new("layers.Softmax")], optimizer=SGD),
    "nested_sequential": case(
        [new("Sequential", layers=[dense(8, "tanh"), dense(5, "relu")]), dense(3, "softmax")]),
    # User code.
    "custom_loss_and_metric": case(LINEAR, loss=ref("user.squared_plus_abs"), y="regression",
                                   metrics=[ref("user.max_abs_error"), "mae"]),
    "custom_loss_class": case(LINEAR, loss=new("user.SoftL1"), y="regression", optimizer=SGD),
    "custom_layer_and_regularizer": case(
        [new("user.GatedDense", units=8),
         dense(3, "softmax", kernel_regularizer=new("user.Smoothness", factor=0.02))],
        metrics=["accuracy"]),
    # Callbacks, epochs.
    "early_stopping": case(
        optimizer=optimizer("Adam", learning_rate=0.05), epochs=10, validation_split=0.3,
        callbacks=[callback("EarlyStopping", monitor="val_loss", patience=1,
                            restore_best_weights=True)]),
    "reduce_lr_on_plateau": case(
        optimizer=optimizer("Adam", learning_rate=0.05), epochs=6, validation_split=0.3,
        callbacks=[callback("ReduceLROnPlateau", monitor="val_loss", factor=0.5,
                            patience=1)]),
    "learning_rate_scheduler": case(
        optimizer=SGD, callbacks=[callback("LearningRateScheduler",
                                           schedule=ref("user.halve_after_first"))]),
    "initial_epoch": case(epochs=4, initial_epoch=2, metrics=["accuracy"]),
    "stop_training_in_batch": case(
        metrics=["accuracy"], validation_split=0.2,
        callbacks=[new("user.StopAfterBatch", epoch=1, batch=0)]),
    "terminate_on_nan": case(x="x_nan", callbacks=[callback("TerminateOnNaN")]),
    # The progress bar (clock faked).
    "verbose_1": case(metrics=["accuracy"], validation_split=0.2, verbose=1),
    "verbose_1_one_epoch": case(epochs=1, verbose=1, batch_size=7),
    "verbose_2": case(metrics=["accuracy"], validation_split=0.2, verbose=2),
    "verbose_auto": case(LINEAR, loss="mse", y="regression", verbose="auto", epochs=2),
}


# ----------------------------------------------------------------------------------------------
# Running a case


class TickingClock:
    """A clock that moves `tick` seconds each time it is read: the progress bar's times then
    depend only on how often it is read. Callable like `time.time`, or `.time()` as a module."""

    def __init__(self, tick=0.013):
        self.tick, self.now = tick, 1000.0

    def __call__(self):
        self.now += self.tick
        return self.now

    time = __call__


def build(lib, spec):
    """The case's model, built for 6 inputs."""
    return lib.Sequential([lib.Input((INPUT_DIM,)), *realize(lib, spec["layers"])])


def train(lib, spec, model, data):
    """Compile and fit `model` as `spec` says, then evaluate it; returns what is compared."""
    model.compile(**realize(lib, spec["compile"]))
    x, y = data[spec["x"]], data[spec["y"]]
    fit_args = realize(lib, spec["fit"], data)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        history = model.fit(x, y, **fit_args)
        results = model.evaluate(x, y, batch_size=BATCH_SIZE, verbose=fit_args["verbose"],
                                 return_dict=True)
    return {
        "history": {key: list(values) for key, values in history.history.items()},
        "epoch": list(history.epoch),
        "params": dict(history.params),
        "evaluate": dict(results),
        "stdout": out.getvalue(),
        "weights": [np.asarray(w) for w in model.get_weights()],
    }


def batch_api(lib, model, data):
    """`train_on_batch`, `test_on_batch`, `evaluate` and `metrics_names` on a compiled model."""
    x, y = data["x"], data["onehot"]

    def floats(result):
        if isinstance(result, dict):
            return {key: float(value) for key, value in result.items()}
        if isinstance(result, (list, tuple)):
            return [float(value) for value in result]
        return float(result)

    return {
        "metrics_names_before": list(model.metrics_names),
        "train_on_batch": floats(model.train_on_batch(x[:16], y[:16])),
        "train_on_batch_weighted": floats(
            model.train_on_batch(x[16:32], y[16:32], sample_weight=data["sw"][16:32])),
        "train_on_batch_dict": floats(model.train_on_batch(x[32:], y[32:], return_dict=True)),
        "test_on_batch": floats(model.test_on_batch(x[:20], y[:20])),
        "test_on_batch_dict": floats(model.test_on_batch(x[:20], y[:20], return_dict=True)),
        "both_weights_error": error_of(lambda: model.train_on_batch(
            x[:16], y[:16], sample_weight=data["sw"][:16], class_weight={0: 2.0})),
        "evaluate": floats(model.evaluate(x, y, batch_size=BATCH_SIZE, verbose=0)),
        "evaluate_dict": floats(model.evaluate(x, y, verbose=0, return_dict=True)),
        "metrics_names_after": list(model.metrics_names),
        "weights": [np.asarray(w) for w in model.get_weights()],
    }


# Compile order differs from sorted order: lists follow the first, dicts the second.
BATCH_API_CASE = case(metrics=["mae", "accuracy"], weighted_metrics=["accuracy"])


def describe_error(error):
    return [type(error).__name__, str(error)]


def error_of(function):
    """`[type name, message]` of what `function()` raises (None if it raises nothing)."""
    try:
        function()
    except Exception as error:
        return describe_error(error)
    return None
