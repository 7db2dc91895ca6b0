"""Sum, Mean, and the weighted mean of a per-sample function (`MeanMetricWrapper`)."""

import numpy as np

from minikeras import losses
from minikeras.activations import _as_float
from minikeras.metrics.metric import (
    Metric, _add_to, _deserialize_function, _divide_no_nan, _export, _samplewise, _total,
)


@_export()
class Sum(Metric):
    """The weighted sum of every value seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = _samplewise(values, sample_weight, np.sum, self.dtype)
        self.total.assign_add(np.sum(values))

    def result(self):
        return self._as_result(self.total.value)


@_export()
class Mean(Metric):
    """The weighted mean of every value seen (values are first averaged per sample)."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        self._update(values, sample_weight)

    def _update(self, values, sample_weight, mask=None):
        values, sample_weight = _samplewise(values, sample_weight, losses._mean, self.dtype, mask)
        _add_to(self.total, _total(values))
        if sample_weight is not None:
            _add_to(self.count, _total(sample_weight))
        else:
            _add_to(self.count, values.shape[0] if values.ndim else 1)

    def result(self):
        return self._as_result(_divide_no_nan(self.total.value, self.count.value))


@_export()
class MeanMetricWrapper(Mean):
    """The weighted mean of `fn(y_true, y_pred, **kwargs)` over every sample seen.

    Args:
        fn: a per-sample metric or loss function.
        name, dtype: as for `Metric`.
        **kwargs: passed on to `fn`.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        if getattr(fn, "kernel", None) is not None or isinstance(fn, losses.Loss):
            self._direction = "down"  # a loss: lower is better

    def update_state(self, y_true, y_pred, sample_weight=None):
        kernel = getattr(self._fn, "kernel", None)
        if kernel is None:
            self._update(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)
            return
        result = kernel(y_true, _as_float(y_pred), **self._fn_kwargs)
        self._update(result.values, sample_weight, result.mask)

    def get_config(self):
        return {**super().get_config(), "fn": losses.serialize_function(self._fn),
                **self._fn_kwargs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "fn" in config:
            config["fn"] = _deserialize_function(config["fn"], custom_objects)
        return cls(**config)


class _FunctionMetric(MeanMetricWrapper):
    """A Keras metric class: a function with fixed options, which are its config."""

    def __init__(self, fn, name, dtype, **kwargs):
        super().__init__(fn, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def get_config(self):
        return {**Metric.get_config(self), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
