"""`MonitorCallback`: what the callbacks watching one metric share (EarlyStopping,
ModelCheckpoint, ReduceLROnPlateau): the metric, whether it should go up or down, and what
counts as an improvement."""

import operator
import warnings

from minikeras.callbacks.callback import Callback


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
