"""`keras.callbacks.Callback`: the base class, every hook a no-op (Keras 2's batch hooks
are what the training-batch hooks call)."""


# The Keras 2 names the default training-batch hooks forward to.
KERAS2_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class Callback:
    """Base class of callbacks: override the hooks you need.

    Attributes:
        model: the model being trained, evaluated or used for prediction.
        params: dict of run parameters (`verbose`, `epochs`, `steps`).
    """

    def __init__(self):
        self.params = None
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    @model.setter
    def model(self, model):  # Keras 2 callbacks assign `self.model` themselves
        self._model = model

    def on_batch_begin(self, batch, logs=None):
        """Keras 2 name of `on_train_batch_begin`."""

    def on_batch_end(self, batch, logs=None):
        """Keras 2 name of `on_train_batch_end`."""

    def on_epoch_begin(self, epoch, logs=None):
        """Called at the start of each training epoch (`epoch` counts from 0)."""

    def on_epoch_end(self, epoch, logs=None):
        """Called at the end of each training epoch; `logs` holds the epoch's metrics, and
        the validation ones prefixed `val_`."""

    def on_train_batch_begin(self, batch, logs=None):
        """Called before each training batch."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        """Called after each training batch; `logs` holds the running metrics."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        """Called before each batch of `evaluate` (and of validation inside `fit`)."""

    def on_test_batch_end(self, batch, logs=None):
        """Called after each batch of `evaluate` (and of validation inside `fit`)."""

    def on_predict_batch_begin(self, batch, logs=None):
        """Called before each batch of `predict`."""

    def on_predict_batch_end(self, batch, logs=None):
        """Called after each batch of `predict`; `logs["outputs"]` holds its output."""

    def on_train_begin(self, logs=None):
        """Called when `fit` starts."""

    def on_train_end(self, logs=None):
        """Called when `fit` ends; `logs` holds the last epoch's metrics."""

    def on_test_begin(self, logs=None):
        """Called when `evaluate` (or validation inside `fit`) starts."""

    def on_test_end(self, logs=None):
        """Called when `evaluate` (or validation inside `fit`) ends, with its results."""

    def on_predict_begin(self, logs=None):
        """Called when `predict` starts."""

    def on_predict_end(self, logs=None):
        """Called when `predict` ends."""
