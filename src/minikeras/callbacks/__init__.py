"""Callbacks: hooks into `fit`, `evaluate` and `predict` (`keras.callbacks`).

The training loop talks to one `CallbackList`, which forwards each hook to the callbacks that
implement it. Messages and files match Keras 3's byte for byte.
"""

import csv
import operator
import os
import warnings

import numpy as np

from minikeras.utils.progbar import Progbar, print_msg

__all__ = [
    "BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
    "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger",
    "ReduceLROnPlateau", "RemoteMonitor", "TensorBoard", "TerminateOnNaN",
]

# Hooks that take a batch or epoch index before `logs`, and those that take only `logs`.
_INDEXED_HOOKS = (
    "on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_batch_begin", "on_predict_batch_end",
)
_LOOP_HOOKS = (
    "on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
    "on_predict_begin", "on_predict_end",
)
# The Keras 2 names the default training-batch hooks forward to.
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


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


def _implements(callback, hook):
    """Whether `callback` does anything on `hook`: it (or its instance, as LambdaCallback
    does) replaces the base method, or replaces the Keras 2 alias the base method calls."""
    names = (hook, _ALIASES[hook]) if hook in _ALIASES else (hook,)
    return any(getattr(getattr(callback, name), "__func__", None) is not getattr(Callback, name)
               for name in names)


def _pythonify(logs):
    """A copy of `logs` with keys sorted, nested dicts flattened and numbers made floats
    (what Keras 3 hands to callbacks, hence its sorted history keys)."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(_pythonify(value))
            continue
        try:
            value = float(value.item() if isinstance(value, np.ndarray) else value)
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result


class CallbackList(Callback):
    """Calls a list of callbacks as one; adds `History` and `ProgbarLogger` when asked.

    Args:
        callbacks: a list of `Callback`s.
        add_history: append a `History` if the list has none.
        add_progbar: append a `ProgbarLogger` if the list has none.
        model: the model, given to every callback.
        **params: run parameters (`verbose`, `epochs`, `steps`), given to every callback.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = _flatten(callbacks)
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._targets = None
        self.set_model(model)
        self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)
        self._targets = None

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def _call(self, hook, index, logs):
        # Which callbacks implement which hook is worked out once per loop (at each
        # on_*_begin), so a hook nobody implements costs a dict lookup per batch.
        if self._targets is None or hook in ("on_train_begin", "on_test_begin",
                                             "on_predict_begin"):
            self._targets = {
                name: [getattr(c, name) for c in self.callbacks if _implements(c, name)]
                for name in _INDEXED_HOOKS + _LOOP_HOOKS
            }
        targets = self._targets[hook]
        if not targets:
            return
        logs = _pythonify(logs)
        if index is None:
            for method in targets:
                method(logs)
        else:
            for method in targets:
                method(index, logs)


def _indexed_dispatcher(hook):
    def dispatch(self, index, logs=None):
        self._call(hook, index, logs)

    dispatch.__name__ = dispatch.__qualname__ = hook
    return dispatch


def _loop_dispatcher(hook):
    def dispatch(self, logs=None):
        self._call(hook, None, logs)

    dispatch.__name__ = dispatch.__qualname__ = hook
    return dispatch


for _hook in _INDEXED_HOOKS:
    setattr(CallbackList, _hook, _indexed_dispatcher(_hook))
for _hook in _LOOP_HOOKS:
    setattr(CallbackList, _hook, _loop_dispatcher(_hook))


def _flatten(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, (list, tuple)):
        return [c for item in callbacks for c in _flatten(item)]
    return [callbacks]


class History(Callback):
    """Records each epoch's logs: `history` maps each metric to its list of values, `epoch`
    lists the epochs run. Added to every `fit`, which returns it."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


class ProgbarLogger(Callback):
    """Prints the progress bar of `fit`, `evaluate` and `predict` (added when verbose != 0).

    Inside `fit`, validation draws no bar of its own: its metrics end the epoch's line.
    """

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params["verbose"]
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params["epochs"]
        self.target = params["steps"]

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._new_progbar()

    def on_predict_begin(self, logs=None):
        self._new_progbar()

    def on_epoch_begin(self, epoch, logs=None):
        self._new_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_end(self, logs=None):
        self._finalize(logs)

    def _new_progbar(self):
        self.seen = 0
        self.progbar = Progbar(target=self.target, verbose=self.verbose, unit_name="step",
                               stateless_metrics=())  # logs already hold running averages

    def _update(self, batch, logs):
        if self.progbar is None:
            self._new_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            self.progbar.update(self.seen, list((logs or {}).items()), finalize=False)

    def _finalize(self, logs):
        if self.target is None:  # unknown steps: now we know them
            self.target = self.progbar.target = self.seen
        self.progbar.update(self.target, list((logs or {}).items()), finalize=True)


class MonitorCallback(Callback):
    """Base of the callbacks that watch one metric: decides whether a value improves on
    another, in the direction `mode` gives (`"auto"`: from the metric, once training runs)."""

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"{self.__class__.__name__} mode '{mode}' is unknown, fallback to auto mode.",
                stacklevel=2,
            )
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        if self.mode == "min":
            self.monitor_op = operator.lt
        elif self.mode == "max":
            self.monitor_op = operator.gt
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = operator.lt
            direction = _metric_direction(self.model, name)
            if direction is not None:
                self.monitor_op = operator.gt if direction == "up" else operator.lt
            if self.monitor_op is None:
                raise ValueError(
                    f"{self.__class__.__name__} callback received monitor={self.monitor}, but "
                    "Keras isn't able to automatically determine whether that metric should be "
                    "maximized or minimized. Pass `mode='max'` in order to monitor based on the "
                    "highest metric value, or pass `mode='min'` in order to use the lowest value."
                )
        if self.monitor_op is operator.lt:
            self.min_delta *= -1  # an improvement must go below `best - min_delta`

    def _is_improvement(self, value, reference):
        return reference is None or bool(self.monitor_op(value - self.min_delta, reference))


def _metric_direction(model, name):
    """`"up"` or `"down"` for the compiled metric called `name` (its `_direction`), else None.
    Containers of metrics (anything with a `metrics` list) are searched one level down."""
    direction = None
    for metric in getattr(model, "metrics", None) or ():
        for candidate in getattr(metric, "metrics", None) or (metric,):
            if getattr(candidate, "name", None) == name and hasattr(candidate, "_direction"):
                direction = candidate._direction
    return direction


class EarlyStopping(MonitorCallback):
    """Stop training when `monitor` has stopped improving.

    Args:
        monitor: the metric to watch, e.g. `"val_loss"`.
        min_delta: smallest change that counts as an improvement.
        patience: epochs without improvement before stopping.
        verbose: 1 prints when it stops and when it restores weights.
        mode: `"min"`, `"max"` or `"auto"` (from the metric).
        baseline: a value the metric must beat; until then patience runs out as usual.
        restore_best_weights: at the end, restore the weights of the best epoch.
        start_from_epoch: epochs to wait before watching (warm-up).
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.wait = 0
        self.stopped_epoch = 0
        self.restore_best_weights = restore_best_weights
        self.best_weights = None
        self.start_from_epoch = start_from_epoch

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Restoring must have something to restore even if nothing ever improves.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs):
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs)}",
                stacklevel=2,
            )
        return value


class ModelCheckpoint(MonitorCallback):
    """Save the model (or its weights) during training.

    Args:
        filepath: where to save; must end in `.keras` (or `.h5`), or in `.weights.h5` with
            `save_weights_only`. May hold `{epoch:02d}` (1-based), `{batch}` and any metric,
            e.g. `{val_loss:.2f}`.
        monitor: the metric `save_best_only` compares.
        verbose: 1 prints a line at each save.
        save_best_only: save only when `monitor` improves.
        save_weights_only: call `model.save_weights` instead of `model.save`.
        mode: `"min"`, `"max"` or `"auto"`.
        save_freq: `"epoch"`, or save every that many batches.
        initial_value_threshold: the value the first save must beat.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = None
        self._current_epoch = 0
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(
                f"Unrecognized save_freq: {save_freq}. Expected save_freq are 'epoch' or "
                "integer values"
            )
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                    "provided must end in `.weights.h5` (Keras weights format). Received: "
                    f"filepath={self.filepath}"
                )
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). Received: "
                f"filepath={self.filepath}"
            )

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save_on_batch(self, batch):
        if self.save_freq == "epoch":
            return False
        # Batch numbers restart each epoch: a smaller one means a new epoch began.
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            seen = batch + 1
        else:
            seen = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += seen
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def _should_save_model(self, epoch, logs, filepath):
        logs = logs or {}
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=2)
            return True
        if isinstance(current, np.ndarray) and current.ndim > 0:
            warnings.warn(
                "Can save best model only when `monitor` is a scalar value. Received: "
                f"{current}. Falling back to `save_best_only=False`."
            )
            return True
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                    f"{current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch, batch, logs):
        filepath = self._get_file_path(epoch, batch, logs)
        try:
            if self._should_save_model(epoch, logs, filepath):
                dirname = os.path.dirname(filepath)
                if dirname and not os.path.exists(dirname):
                    os.makedirs(dirname)
                if self.save_weights_only:
                    self.model.save_weights(filepath, overwrite=True)
                else:
                    self.model.save(filepath, overwrite=True)
                if self.verbose > 0:
                    print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")
        except IsADirectoryError:
            raise IOError(
                "Please specify a non-directory filepath for ModelCheckpoint. Filepath used is "
                f"an existing directory: {filepath}"
            )
        except IOError as e:
            if "is a directory" in str(e.args[0]).lower():
                # Keras prints a stray "f" before the path here; kept for identical text.
                raise IOError(
                    "Please specify a non-directory filepath for ModelCheckpoint. Filepath "
                    f"used is an existing directory: f{filepath}"
                )
            raise

    def _get_file_path(self, epoch, batch, logs):
        logs = logs or {}
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}'
            )


def _learning_rate(model):
    return float(model.optimizer.learning_rate)


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the learning rate by `factor` when `monitor` stops improving.

    Args:
        monitor: the metric to watch.
        factor: the multiplier, below 1.
        patience: epochs without improvement before reducing.
        verbose: 1 prints each reduction.
        mode: `"min"`, `"max"` or `"auto"`.
        min_delta: smallest change that counts as an improvement (Keras 2: `epsilon`).
        cooldown: epochs to wait after a reduction before counting again.
        min_lr: the learning rate never goes below this.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        min_delta = kwargs.pop("epsilon", min_delta)
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(
                f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}"
            )
        self.factor = factor
        self.min_lr = min_lr
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs or {}  # the list's logs dict: History and the progress bar see the rate
        logs["learning_rate"] = _learning_rate(self.model)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"Learning rate reduction is conditioned on metric `{self.monitor}` which is "
                f"not available. Available metrics are: {','.join(logs)}.",
                stacklevel=2,
            )
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce(epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce(self, epoch):
        old_lr = _learning_rate(self.model)
        if not old_lr > np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        self.model.optimizer.learning_rate = new_lr
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
        return True

    def in_cooldown(self):
        return self.cooldown_counter > 0


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch from `schedule(epoch, lr)` (or
    `schedule(epoch)`), which must return a float.

    Args:
        schedule: the function.
        verbose: 1 prints each new rate.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        except TypeError:  # a one-argument schedule
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(
                f"The output of the `schedule` function should be a float. Got: {learning_rate}"
            )
        optimizer.learning_rate = learning_rate
        if self.verbose > 0:
            print_msg(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                f"{learning_rate}."
            )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        logs["learning_rate"] = _learning_rate(self.model)


class CSVLogger(Callback):
    """Write each epoch's logs as a CSV row: `epoch` then the metrics in sorted order.

    Args:
        filename: the CSV file.
        separator: the field separator.
        append: add to an existing file (without repeating its header).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not f.readline()
            mode = "a"
        else:
            mode = "w"
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            # Keras reserves validation columns even when there is no validation (then NA).
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if not self.writer:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         delimiter=self.sep)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _csv_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _csv_value(value):
    """Sequences are written as one quoted `[a, b]` field, as Keras does."""
    if isinstance(value, str) or (isinstance(value, np.ndarray) and value.ndim == 0):
        return value
    if hasattr(value, "__iter__"):
        return f'"[{", ".join(map(str, value))}]"'
    return value


class TerminateOnNaN(Callback):
    """Stop training when the loss becomes NaN or infinite.

    Args:
        raise_error: raise a RuntimeError instead of stopping quietly.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and (np.isnan(loss) or np.isinf(loss)):
            if self.raise_error:
                raise RuntimeError(
                    f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                    "Terminating training immediately."
                )
            print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback made of functions: `on_epoch_begin(epoch, logs)`,
    `on_epoch_end(epoch, logs)`, `on_train_begin(logs)`, `on_train_end(logs)`,
    `on_train_batch_begin(batch, logs)`, `on_train_batch_end(batch, logs)`; any other hook
    (e.g. Keras 2's `on_batch_end`) can be given by keyword."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, function in hooks.items():
            if function is not None:
                setattr(self, name, function)


# The callbacks with modules of their own build on `Callback`, defined above; they load on first
# use (PEP 562), since `fit` imports this module and RemoteMonitor's urllib alone brings ssl,
# http and email.
_OWN_MODULES = {
    "BackupAndRestore": "backup_and_restore", "RemoteMonitor": "remote_monitor",
    "TensorBoard": "tensorboard",
}


def __getattr__(name):
    if name not in _OWN_MODULES:
        raise AttributeError(f"module 'minikeras.callbacks' has no attribute '{name}'")
    import importlib

    value = getattr(importlib.import_module(f"minikeras.callbacks.{_OWN_MODULES[name]}"), name)
    globals()[name] = value
    return value
