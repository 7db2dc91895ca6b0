"""Probabilistic metrics: the weighted mean of a crossentropy, KL divergence or Poisson."""

from minikeras import losses
from minikeras.metrics.metric import _export
from minikeras.metrics.reduction_metrics import _FunctionMetric


@_export("bce", "BCE")
class BinaryCrossentropy(_FunctionMetric):
    """The mean of `binary_crossentropy`."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(losses.binary_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


@_export()
class CategoricalCrossentropy(_FunctionMetric):
    """The mean of `categorical_crossentropy`."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(losses.categorical_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


@_export()
class SparseCategoricalCrossentropy(_FunctionMetric):
    """The mean of `sparse_categorical_crossentropy`."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(losses.sparse_categorical_crossentropy, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)


@_export()
class KLDivergence(_FunctionMetric):
    """The mean of `kl_divergence`."""

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(losses.kl_divergence, name, dtype)


@_export()
class Poisson(_FunctionMetric):
    """The mean of `poisson`."""

    def __init__(self, name="poisson", dtype=None):
        super().__init__(losses.poisson, name, dtype)
