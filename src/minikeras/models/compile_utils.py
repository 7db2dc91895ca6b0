"""What `compile` gives a model: `CompileMetrics` (the metrics, as the one metric Keras lists
them as) and, for models with several outputs, `CompileLoss` and `MultiOutputMetrics`."""

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


# ----------------------------------------------------------------------------------------------
# Models with several outputs (a functional model's list or dict of outputs)


def outputs_in_order(values, output_names, what):
    """`values` (targets, outputs or sample weights: a dict keyed by output name, a list in
    output order, or one array for a single output) as a list in output order."""
    if isinstance(values, dict):
        missing = [name for name in output_names if name not in values]
        if missing:
            raise ValueError(
                f"Expected keys {output_names} in {what}, but found {what}.keys()="
                f"{list(values)}"
            )
        return [values[name] for name in output_names]
    if isinstance(values, (list, tuple)):
        if len(values) != len(output_names):
            raise ValueError(
                f"y_true and y_pred have different structures: {what} has {len(values)} "
                f"entries for the {len(output_names)} outputs {output_names}."
            )
        return list(values)
    return [values] * len(output_names) if what == "sample_weight" else [values]


class CompileLoss:
    """The compiled loss of a model with several outputs, as Keras 3 computes it: each output's
    loss (given per output name, per position, or one for all), times its weight, summed; each
    output's unweighted loss is also tracked, as the metric `<output>_loss`."""

    def __init__(self, loss, loss_weights, output_names):
        if loss_weights is not None and not isinstance(loss_weights, (list, tuple, dict, float, int)):
            raise ValueError(
                "Expected `loss_weights` argument to be a float (single output case) or a list "
                "or dict (multiple output case). Received instead: "
                f"loss_weights={loss_weights} of type {type(loss_weights)}"
            )
        self.output_names = list(output_names)
        self._loss, self._loss_weights = loss, loss_weights
        self._losses = self._weights = None
        from minikeras.metrics import Mean

        self.metrics = [Mean(name=f"{name}_loss") for name in self.output_names]

    def _per_output(self):
        names = self.output_names
        loss, weights = self._loss, self._loss_weights
        if isinstance(loss, dict):
            if set(loss) - set(names):
                raise ValueError(
                    f"Expected keys {names} in loss dict, but found loss.keys()={list(loss)}"
                )
            losses = [loss.get(name) for name in names]
        elif isinstance(loss, (list, tuple)):
            if len(loss) != len(names):
                raise ValueError(
                    f"`loss` must have one entry per output {names}; received {len(loss)}: {loss}"
                )
            losses = list(loss)
        else:
            count = len(weights) if isinstance(weights, (list, tuple)) else 1
            if isinstance(weights, (list, tuple)) and count != 1:
                raise ValueError(
                    f"`loss_weights` must match the number of losses, got 1 losses and {count} "
                    "weights."
                )
            losses = [loss] * len(names)
        if isinstance(weights, dict):
            weights = [weights.get(name) for name in names]
        elif isinstance(weights, (list, tuple)):
            if len(weights) == 1 and len(names) > 1:
                weights = list(weights) * len(names)
            if len(weights) != len(losses):
                raise ValueError(
                    f"`loss_weights` must match the number of losses, got {len(losses)} losses "
                    f"and {len(weights)} weights."
                )
        else:
            weights = [weights] * len(names)
        return losses, weights

    def build(self, y_true, y_pred):
        from minikeras import losses as losses_module

        specs, self._weights = self._per_output()
        self._losses = [
            None if spec is None else losses_module.resolve_compile_loss(spec, t, p)
            for spec, t, p in zip(specs, y_true, y_pred)
        ]

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The weighted total (a tape node while recording) from lists in output order."""
        from minikeras.core import tape

        if self._losses is None:
            self.build(y_true, [tape.value_of(p) for p in y_pred])
        weights = (outputs_in_order(sample_weight, self.output_names, "sample_weight")
                   if sample_weight is not None else [None] * len(y_pred))
        total = None
        for loss, weight, metric, t, p, w in zip(self._losses, self._weights, self.metrics,
                                                 y_true, y_pred, weights):
            if loss is None:
                continue
            value = loss(t, p, sample_weight=w)
            # Keras 3 averages each output's loss over the batches, one batch one vote.
            metric.update_state(tape.value_of(value))
            if weight is not None:
                value = value * np.float32(weight)
            total = value if total is None else total + value
        return total


class MultiOutputMetrics(CompileMetrics):
    """The compiled metrics of a model with several outputs: per output, its own
    `CompileMetrics`, each result named `<output>_<metric>` (Keras 3's log names)."""

    def __init__(self, metrics, weighted_metrics, output_names):
        Metric.__init__(self, name="compile_metrics")
        self.output_names = list(output_names)
        self._given = metrics, weighted_metrics
        self._per_output = None

    @property
    def built(self):
        return self._per_output is not None

    def build(self, y_true, y_pred):
        metrics, weighted_metrics = self._given
        specs = (_metric_specs(metrics, self.output_names, "metrics"),
                 _metric_specs(weighted_metrics, self.output_names, "weighted_metrics"))
        self._per_output = []
        for name, specs, weighted, t, p in zip(self.output_names, *specs, y_true, y_pred):
            compiled = CompileMetrics(specs, weighted)
            compiled.build(t, p)
            for metric in compiled.metrics:
                metric._listed_name = getattr(metric, "_listed_name", metric.name)
                metric.name = f"{name}_{metric.name}"
            self._per_output.append(compiled)

    @property
    def metrics(self):
        return [m for compiled in self._per_output or () for m in compiled.metrics]

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        weights = (outputs_in_order(sample_weight, self.output_names, "sample_weight")
                   if sample_weight is not None else [None] * len(y_pred))
        for compiled, t, p, w in zip(self._per_output, y_true, y_pred, weights):
            compiled.update_state(t, p, w)

    # `listed_names` gives the unprefixed names, as Keras 3 looks a multi-output model's
    # metrics up by them, which its logs do not have: `evaluate`'s list gives them after the
    # losses, sorted.


def _metric_specs(specs, output_names, what):
    """Per output, the list of metric specs `compile(metrics=...)` gave it."""
    count = len(output_names)
    if specs is None:
        return [[] for _ in output_names]
    if isinstance(specs, dict):
        unknown = set(specs) - set(output_names)
        if unknown:
            raise ValueError(
                f"Invalid `{what}`: the keys {sorted(unknown)} are not output names of the "
                f"model {output_names}."
            )
        return [_as_specs(specs.get(name)) for name in output_names]
    if isinstance(specs, (list, tuple)) and len(specs) == count:
        return [_as_specs(spec) for spec in specs]
    structure = ["X"] * count
    raise ValueError(
        f"tuple arity mismatch; expected: {count}, got: {len(_as_specs(specs))}; tuple: "
        f"{tuple(_as_specs(specs))}.\nInvalid `{what}`. `{what}` should contain metrics "
        "objects and either be a dict or a list matching the output names of the functional "
        f"model {output_names} or match the output structure of the model: {structure}.\n"
        f"Received: {what}={specs}"
    )


def _as_specs(spec):
    if spec is None:
        return []
    return list(spec) if isinstance(spec, (list, tuple)) else [spec]
