"""The base of every metric (`keras.metrics.Metric`) and what metrics share: the
registry's exports, Keras' `divide_no_nan`, the per-sample reduction of weighted values."""

import functools

import numpy as np

from minikeras import backend, initializers, losses
from minikeras.layers.base import Variable
from minikeras.losses import apply_mask, squeeze_or_expand_to_same_rank
from minikeras.saving import registry


_export = functools.partial(registry.register_class, "metric", module="keras.metrics")


# Metric functions resolve as functions only inside configs (`MeanMetricWrapper(fn=...)`): by
# name, `get("binary_accuracy")` gives the class, as in Keras 3.
_export_function = registry.register("other", module="keras.metrics")


def _divide_no_nan(numerator, denominator):
    """`numerator / denominator`, 0 where the denominator is 0 (Keras' `divide_no_nan`)."""
    numerator, denominator = np.asarray(numerator), np.asarray(denominator)
    if numerator.ndim == denominator.ndim == 0:  # every Mean's result: no masks needed
        zero = numerator.dtype.type(0)
        return zero if denominator == 0 else np.divide(numerator, denominator).astype(
            numerator.dtype)
    safe = np.where(denominator == 0, 1, denominator)
    return np.where(denominator == 0, 0, numerator / safe).astype(numerator.dtype)


def _deserialize_function(config, custom_objects=None):
    """A metric function from its config: custom, a metric function or a loss function."""
    name = config.get("config") if isinstance(config, dict) else config
    found = registry.lookup("other", name, custom_objects)
    return found if found is not None else registry.deserialize("loss", config, custom_objects)


@_export()
class Metric:
    """Base class of metrics. Subclasses create their state with `add_variable` (or
    `add_weight`) and implement `update_state(...)` and `result()`.

    Args:
        dtype: the dtype of the state and result (default `backend.floatx()`).
        name: the metric name (default: the snake_case class name, made unique).
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or backend.unique_name(losses._snake_case(type(self).__name__))
        self._dtype = backend.standardize_dtype(dtype)
        self._variables = []
        self._metrics = []

    def __setattr__(self, name, value):
        # Metrics held as attributes contribute their variables, as in Keras.
        if isinstance(value, Metric) and "_metrics" in self.__dict__:
            self._metrics.append(value)
        super().__setattr__(name, value)

    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        return self._variables + [v for metric in self._metrics for v in metric.variables]

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A new non-trainable state variable filled by `initializer` (default zeros)."""
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                "You forgot to call `super().__init__()` in the `__init__()` method. Go add it!"
            )
        fill = initializers.get(initializer if initializer is not None else "zeros")
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        value = np.array(fill(shape, dtype=dtype or self.dtype))
        variable = Variable(value, name=name, path=f"{self.name}/{name}", trainable=False)
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """`add_variable` with Keras' `add_weight` defaults."""
        return self.add_variable(shape, initializer, dtype=dtype, name=name)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def reset_state(self):
        """Zero every state variable."""
        for variable in self.variables:
            variable.assign(np.zeros(variable.shape, dtype=variable.dtype))

    def __call__(self, *args, **kwargs):
        """`update_state(...)`, then `result()`."""
        self.update_state(*args, **kwargs)
        return self.result()

    def _as_result(self, value):
        value = np.asarray(value, dtype=self.dtype)
        return value[()] if value.ndim == 0 else value

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _samplewise(values, sample_weight, reduce, dtype, mask=None):
    """Keras' reduction of values (and weights) to one per sample, weights applied."""
    values = np.asarray(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=dtype)
        if mask is None and values.ndim == sample_weight.ndim == 0:
            return values * sample_weight, sample_weight  # one weighted value (the loss tracker's)
        sample_weight = apply_mask(sample_weight, mask, dtype, reduction="sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.ndim
        if values.ndim > weight_ndim:
            values = reduce(values, axis=tuple(range(weight_ndim, values.ndim)))
        sample_weight = np.broadcast_to(sample_weight, values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


def _total(values):
    """`np.sum(values)`, without its wrapper (one value is its own sum)."""
    return values if values.ndim == 0 else np.add.reduce(values, axis=None)


def _add_to(variable, value):
    """`variable.assign_add(value)`, without its conversion where there is none to make (a
    count, or a value of the variable's dtype): the same addition, in place."""
    if type(value) is int or value.dtype == variable.value.dtype:
        variable.value += value
    else:
        variable.assign_add(value)
