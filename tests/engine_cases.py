"""Programs written against Keras' engine, run the same under real Keras (compat/make_engine.py,
with TensorFlow's GradientTape) and under minikeras (tests/test_engine.py, with its own).

Each case takes the `keras` module, a `GradientTape` class and the data, starts from fixed
weights, and returns what the program observed: losses, metric results, history, weights.
"""

import numpy as np

ROWS, FEATURES, CLASSES, BATCH = 64, 6, 3, 16


def make_data():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(ROWS, FEATURES)).astype("float32")
    labels = (x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1).astype("int64")
    return {
        "x": x,
        "labels": labels,
        "targets": np.stack([x[:, 0] - x[:, 3], x[:, 1] * 0.5], 1).astype("float32"),
        "x_val": rng.normal(size=(16, FEATURES)).astype("float32"),
        "saturated": np.array([[30.0, -30, 15, 0, 1, 2]] * 4, "float32"),
        "saturated_labels": np.array([2, 1, 0, 1]),
    }


def initial_weights(model, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(0, 0.5, size=w.shape).astype("float32") for w in model.get_weights()]


def set_initial(model, seed):
    model.set_weights(initial_weights(model, seed))


def batches(x, y):
    for start in range(0, len(x), BATCH):
        yield x[start:start + BATCH], y[start:start + BATCH]


def custom_loop(keras, GradientTape, data):
    """keras.io's "training loop from scratch", with a validation call between the forward
    pass and the gradient of each step."""
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((FEATURES,)), layers.Dense(16, activation="relu"),
        layers.Dense(8, activation="relu"), layers.Dense(CLASSES),
    ])
    set_initial(model, 1)
    optimizer = keras.optimizers.Adam(learning_rate=1e-2)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    accuracy = keras.metrics.SparseCategoricalAccuracy()
    losses, accuracies, validation = [], [], []
    for _ in range(3):
        for x, y in batches(data["x"], data["labels"]):
            with GradientTape() as tape:
                logits = model(x, training=True)
                loss_value = loss_fn(y, logits)
            validation.append(float(np.asarray(model(data["x_val"], training=False)).sum()))
            grads = tape.gradient(loss_value, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
            accuracy.update_state(y, logits)
            losses.append(float(loss_value))
        accuracies.append(float(accuracy.result()))
        accuracy.reset_state()
    return {"losses": losses, "accuracies": accuracies, "validation": validation,
            "weights": model.get_weights()}


def persistent_tape(keras, GradientTape, data):
    """A persistent tape asked twice: one loss's gradients for each of two models' weights."""
    layers = keras.layers
    first = keras.Sequential([keras.Input((FEATURES,)), layers.Dense(4, activation="tanh")])
    second = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    set_initial(first, 2)
    set_initial(second, 3)
    x, y = data["x"][:BATCH], data["targets"][:BATCH]
    with GradientTape(persistent=True) as tape:
        loss = keras.ops.mean(keras.ops.square(second(first(x)) - y))
    grads = tape.gradient(loss, first.trainable_weights) + tape.gradient(
        loss, second.trainable_weights)
    return {"loss": float(loss), "grads": [np.asarray(g) for g in grads]}


def subclassed_models(keras):
    """keras.io's "customizing what happens in fit" models, as subclasses holding layers."""
    layers = keras.layers

    class Regressor(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(2)

        def call(self, x):
            return self.out(self.hidden(x))

    class OwnTrainStep(Regressor):
        """Its own loss, loss tracker and metric; `metrics` lists them."""

        def __init__(self, GradientTape, **kwargs):
            super().__init__(**kwargs)
            self.GradientTape = GradientTape
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

        def train_step(self, data):
            x, y = data
            with self.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = keras.ops.mean(keras.ops.square(y_pred - y))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.loss_tracker.update_state(keras.ops.mean(keras.ops.square(y_pred - y)))
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    class CompiledLossStep(Regressor):
        """`self.compute_loss` and the compiled metrics inside its own step."""

        def __init__(self, GradientTape, **kwargs):
            super().__init__(**kwargs)
            self.GradientTape = GradientTape

        def train_step(self, data):
            x, y = data
            with self.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    return OwnTrainStep, CompiledLossStep


def own_train_step(keras, GradientTape, data):
    OwnTrainStep, _ = subclassed_models(keras)
    model = OwnTrainStep(GradientTape)
    model(data["x"][:1])
    set_initial(model, 4)
    model.compile(optimizer=keras.optimizers.SGD(0.05))
    history = model.fit(data["x"], data["targets"], batch_size=BATCH, epochs=3, shuffle=False,
                        verbose=0)
    evaluation = model.evaluate(data["x"], data["targets"], batch_size=BATCH, verbose=0,
                                return_dict=True)
    return {"history": history.history, "evaluate": evaluation, "weights": model.get_weights()}


def compiled_loss_step(keras, GradientTape, data):
    _, CompiledLossStep = subclassed_models(keras)
    model = CompiledLossStep(GradientTape)
    model(data["x"][:1])
    set_initial(model, 5)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(data["x"], data["targets"], batch_size=BATCH, epochs=2, shuffle=False,
                        verbose=0)
    return {"history": history.history, "weights": model.get_weights()}


def functional_subclass(keras, GradientTape, data):
    """A `keras.Model` subclass given `inputs` and `outputs`: a functional model with its own
    `train_step`, as Keras' guide to customizing `fit` writes it."""

    _, CompiledLossStep = subclassed_models(keras)

    class CustomModel(keras.Model):
        train_step = CompiledLossStep.train_step  # reads `self.GradientTape`

    inputs = keras.Input((FEATURES,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    model = CustomModel(inputs, keras.layers.Dense(2)(hidden))
    model.GradientTape = GradientTape
    set_initial(model, 6)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(data["x"], data["targets"], batch_size=BATCH, epochs=2, shuffle=False,
                        verbose=0)
    return {"history": history.history, "weights": model.get_weights(),
            "layers": len(model.layers)}


def on_batch(keras, GradientTape, data):
    """train_on_batch and test_on_batch on a softmax output saturated beyond float32's 1e-7:
    Keras on TensorFlow takes the crossentropy at the logits in both."""
    model = keras.Sequential([
        keras.Input((FEATURES,)),
        keras.layers.Dense(CLASSES, activation="softmax", kernel_initializer="identity"),
    ])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = data["saturated"], data["saturated_labels"]
    return {
        "test_on_batch": model.test_on_batch(x, y),
        "train_on_batch": model.train_on_batch(x, y),
        "evaluate": model.evaluate(x, y, verbose=0),
        "weights": model.get_weights(),
    }


CASES = {
    "custom_loop": custom_loop,
    "persistent_tape": persistent_tape,
    "own_train_step": own_train_step,
    "compiled_loss_step": compiled_loss_step,
    "functional_subclass": functional_subclass,
    "on_batch": on_batch,
}


def flatten_result(name, result, arrays):
    """Arrays of a result moved into `arrays` (for an npz), the rest kept (for json)."""
    kept = {}
    for key, value in result.items():
        if key in ("weights", "grads"):
            for index, array in enumerate(value):
                arrays[f"{name}/{key}/{index}"] = np.asarray(array)
        else:
            kept[key] = value
    return kept
