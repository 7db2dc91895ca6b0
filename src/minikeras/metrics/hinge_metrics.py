"""Hinge metrics: the weighted mean of a hinge loss."""

from minikeras import losses
from minikeras.metrics.metric import _export
from minikeras.metrics.reduction_metrics import _FunctionMetric


@_export()
class Hinge(_FunctionMetric):
    """The mean of `hinge`."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(losses.hinge, name, dtype)


@_export()
class SquaredHinge(_FunctionMetric):
    """The mean of `squared_hinge`."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(losses.squared_hinge, name, dtype)


@_export()
class CategoricalHinge(_FunctionMetric):
    """The mean of `categorical_hinge`."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(losses.categorical_hinge, name, dtype)
