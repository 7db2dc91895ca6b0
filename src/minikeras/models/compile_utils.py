"""`CompileMetrics`: the metrics given to `compile`, as the one metric Keras lists them as."""

import numpy as np

from minikeras.metrics import Metric


class CompileMetrics(Metric):
    """The compiled metrics and weighted metrics, resolved from the first batch's shapes (as
    Keras 3 resolves "accuracy" and the like); `result()` gives each one's result by name."""

    def __init__(self, metric_specs, weighted_metric_specs):
        super().__init__(name="compile_metrics")
        self._metric_specs = list(metric_specs)
        self._weighted_metric_specs = list(weighted_metric_specs)
        self.unweighted = self.weighted = None

    @property
    def built(self):
        return self.unweighted is not None

    def build(self, y_true, y_pred):
        from minikeras.metrics import resolve_compile_metric

        self.unweighted = [resolve_compile_metric(s, y_true, y_pred) for s in self._metric_specs]
        counts = {}
        for metric in self.unweighted:  # Keras numbers repeated names: accuracy, accuracy_1
            count = counts[metric.name] = counts.get(metric.name, -1) + 1
            if count:
                metric.name = f"{metric.name}_{count}"
        self.weighted = [
            resolve_compile_metric(s, y_true, y_pred) for s in self._weighted_metric_specs
        ]
        for metric in self.weighted:
            if any(metric.name == m.name for m in self.unweighted):
                # Keras 3 renames it in the logs only: its list results still look it up by
                # the plain name, so that value comes twice and the weighted one last.
                metric._listed_name = metric.name
                metric.name = "weighted_" + metric.name

    @property
    def metrics(self):
        return (self.unweighted or []) + (self.weighted or [])

    @property
    def variables(self):
        return [v for metric in self.metrics for v in metric.variables]

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        y_pred = np.asarray(y_pred)
        for metric in self.unweighted:
            metric.update_state(y_true, y_pred)
        for metric in self.weighted:
            metric.update_state(y_true, y_pred, sample_weight=sample_weight)

    def result(self):
        results = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                results.update(result)
            else:
                results[metric.name] = result
        return results

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    def listed_names(self):
        """The names `evaluate`'s list of results looks its entries up by, in compile order."""
        return [getattr(metric, "_listed_name", metric.name) for metric in self.metrics]
