"""`Trainer`: compile, fit, evaluate and predict for a model made of layers with backward passes.

One training step is a forward loop that keeps what each layer needs, the loss and its
gradient, a reverse loop through the layers' `backward`, regularization gradients, one
optimizer step and the constraints. No graph is built: the layers hold their own gradients.
"""

import math
import warnings

import numpy as np

from minikeras.models import data as data_lib

# A diverging run goes to inf and nan quietly, as in Keras (TerminateOnNaN stops it).
_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}


class Trainer:
    """Mixin giving a model Keras' training API."""

    def __init__(self):
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._loss_fn = None
        self._metrics = None
        self._compile_config = None

    # ------------------------------------------------------------------------------------------
    # compile

    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=1,
        jit_compile="auto",
        auto_scale_loss=True,
        **kwargs,
    ):
        """Configure training: the optimizer, the loss and the metrics to report.

        Keras' backend-only arguments (`run_eagerly`, `jit_compile`, ...) are accepted and
        have no effect: minikeras always runs eagerly on numpy.
        """
        from minikeras import optimizers

        for legacy in ("sample_weight_mode", "target_tensors", "distribute", "pss_evaluation_shards"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to compile: {kwargs}")
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._loss_spec = _one_output(loss)
        self._loss_weight = _one_output(loss_weights)
        self._metric_specs = _as_list(_one_output(metrics, nested=True))
        self._weighted_metric_specs = _as_list(_one_output(weighted_metrics, nested=True))
        self._loss_fn = None
        self._metrics = None
        self._compile_config = {
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
            "run_eagerly": False,
            "steps_per_execution": 1,
            "jit_compile": False,
        }
        self.compiled = True

    def get_compile_config(self):
        if not self.compiled:
            return None
        from minikeras.saving import registry

        settings = {"optimizer": self.optimizer, **self._compile_config}
        return {key: registry.serialize(value) for key, value in settings.items()}

    def compile_from_config(self, config, custom_objects=None):
        from minikeras import optimizers

        config = dict(config)
        optimizer = config.pop("optimizer", "rmsprop")
        if isinstance(optimizer, dict):
            optimizer = optimizers.deserialize(optimizer, custom_objects=custom_objects)
        self.compile(
            optimizer=optimizer,
            loss=_deserialize_spec("loss", config.get("loss"), custom_objects),
            loss_weights=config.get("loss_weights"),
            metrics=_deserialize_spec("metric", config.get("metrics"), custom_objects),
            weighted_metrics=_deserialize_spec(
                "metric", config.get("weighted_metrics"), custom_objects
            ),
        )

    def _assert_compiled(self):
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")

    def _resolve_compiled(self, y, y_pred):
        """Loss and metrics are chosen from the first batch's shapes, as Keras 3 does."""
        from minikeras import losses, metrics

        if self._loss_fn is None:
            if self._loss_spec is None:
                raise ValueError(
                    "No loss to compute. Provide a `loss` argument in `compile()`."
                )
            self._loss_fn = losses.resolve_compile_loss(self._loss_spec, y, y_pred)
        if self._metrics is None:
            self._metrics = [
                metrics.resolve_compile_metric(spec, y, y_pred) for spec in self._metric_specs
            ]
            counts = {}
            for metric in self._metrics:  # Keras numbers repeated names: accuracy, accuracy_1
                count = counts[metric.name] = counts.get(metric.name, -1) + 1
                if count:
                    metric.name = f"{metric.name}_{count}"
            self._weighted_metrics = [
                metrics.resolve_compile_metric(spec, y, y_pred)
                for spec in self._weighted_metric_specs
            ]
            for metric in self._weighted_metrics:
                if any(metric.name == m.name for m in self._metrics):
                    # Keras 3 renames it in the logs only: its list results still look it up
                    # by the plain name, so that value comes twice and the weighted one last.
                    metric._listed_name = metric.name
                    metric.name = "weighted_" + metric.name

    def _fused_activation(self):
        """The last layer's activation name when the loss can take its gradient at the logits."""
        from minikeras import activations

        last = self.layers[-1] if self.layers else None
        activation = getattr(last, "activation", None)
        if hasattr(last, "backward_pre_activation"):
            for fused in (activations.softmax, activations.sigmoid):
                if activation is fused:
                    return fused.__name__
        return None

    @property
    def metrics_names(self):
        if not self.compiled:
            return []
        return ["loss", "compile_metrics"] if self._metric_specs or self._weighted_metric_specs else ["loss"]

    @property
    def metrics(self):
        return list(self._metrics or []) + list(getattr(self, "_weighted_metrics", []) or [])

    # ------------------------------------------------------------------------------------------
    # One batch

    def _train_step(self, x, y, sample_weight):
        with np.errstate(**_QUIET):
            value, y_pred = self._loss_and_gradients(x, y, sample_weight)
            self.optimizer.step(self.trainable_weights)  # applies the constraints too
            self._update_metrics(y, y_pred, sample_weight)
        return value

    def _loss_and_gradients(self, x, y, sample_weight=None):
        """One batch's total loss (regularization included) and predictions; the loss's
        gradient is left in the `.grad` of every trainable weight, nothing is updated."""
        y_pred = self(x, training=True)
        self._resolve_compiled(y, y_pred)
        loss = self._loss_fn
        fused = None
        activation_name = self._fused_activation()  # every step: layers may have changed
        if activation_name:
            # As Keras 3 on TensorFlow: the crossentropy of a softmax/sigmoid output is taken
            # at its logits, stable and without clipping.
            fused = loss.logits_value_and_grad(
                y, self.layers[-1].logits, sample_weight, activation_name
            )
        value, grad = fused or loss.value_and_grad(y, y_pred, sample_weight)
        if self._loss_weight is not None:
            weight = grad.dtype.type(self._loss_weight)
            value, grad = value * weight, grad * weight
        if fused is None:
            self.backward(grad, input_grad=False)
        else:
            self._backward_from_logits(grad)
        value = float(value) + self._regularization(add_gradients=True)
        return value, y_pred

    def _backward_from_logits(self, grad):
        layers = self.layers
        last = layers[-1]
        if last.activity_regularizer is not None:
            # The activity term is taken on the activation's output: carry it to the logits.
            from minikeras.layers.base import activation_backward

            output = last._activity_output
            output_grad = last._add_activity_gradient(np.zeros_like(output))
            grad = grad + activation_backward(last.activation, last.logits, output, output_grad)
        grad = last.backward_pre_activation(grad, input_grad=len(layers) > 1)
        self._backward_through(len(layers) - 1, grad, input_grad=False)

    def _regularization(self, add_gradients=False):
        """The sum of all regularization terms; optionally adds their gradients to `.grad`."""
        total = float(sum(self.losses, 0.0))
        if add_gradients:
            from minikeras.layers.base import regularizer_gradient

            for variable in self.trainable_weights:
                if variable.regularizer is not None:
                    variable.grad += regularizer_gradient(variable.regularizer, variable.value)
        return total

    def _test_step(self, x, y, sample_weight):
        with np.errstate(**_QUIET):
            y_pred = self(x, training=False)
            self._resolve_compiled(y, y_pred)
            value = float(self._loss_fn(y, y_pred, sample_weight=sample_weight))
            if self._loss_weight is not None:
                value *= self._loss_weight
            value += self._regularization()
            self._update_metrics(y, y_pred, sample_weight)
        return value

    def _update_metrics(self, y, y_pred, sample_weight):
        for metric in self._metrics:
            metric.update_state(y, y_pred)
        for metric in self._weighted_metrics:
            metric.update_state(y, y_pred, sample_weight=sample_weight)

    def _reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def _logs(self, loss_mean):
        logs = {"loss": loss_mean}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update({k: float(v) for k, v in result.items()})
            else:
                logs[metric.name] = float(result)
        return dict(sorted(logs.items()))

    # ------------------------------------------------------------------------------------------
    # fit / evaluate / predict

    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
        **kwargs,
    ):
        """Train for `epochs` passes over the data; returns a `History`."""
        from minikeras import callbacks as callbacks_module

        if "nb_epoch" in kwargs:
            warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.",
                          UserWarning, stacklevel=2)
            epochs = kwargs.pop("nb_epoch")
        _refuse_unknown(kwargs, "Unrecognized keyword arguments passed to fit")
        self._assert_compiled()
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data_lib.split_validation(
                x, y, sample_weight, validation_split
            )
        if class_weight is not None:
            if y is None:
                raise ValueError("`class_weight` is only supported for arrays with a `y`.")
            if sample_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the same time.")
            sample_weight = data_lib.class_weights_to_sample_weights(y, class_weight)
        batches = data_lib.make_batches(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        validation = None
        if validation_data is not None:
            val_x, val_y, val_w = data_lib.unpack(validation_data)
            validation = data_lib.make_batches(
                val_x, val_y, val_w, validation_batch_size or batch_size, False, validation_steps
            )
        self._ensure_built(batches)
        callback_list = callbacks_module.CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=batches.steps,
        )
        self.stop_training = False
        callback_list.on_train_begin()
        initial_epoch = self.__dict__.pop("_initial_epoch", None) or initial_epoch  # BackupAndRestore
        epoch_logs = None
        with _blas_threads_for(self, batches):
            for epoch in range(initial_epoch, epochs):
                self._reset_metrics()
                callback_list.on_epoch_begin(epoch)
                total, count, batch_logs = 0.0, 0, None
                for step, (bx, by, bw) in enumerate(batches.batches(resume=True)):
                    callback_list.on_train_batch_begin(step)
                    value = self._train_step(bx, by, bw)
                    total += value * len(bx)
                    count += len(bx)
                    batch_logs = self._logs(total / max(count, 1))
                    callback_list.on_train_batch_end(step, batch_logs)
                    if self.stop_training:
                        break
                if batch_logs is None:  # the data ran out before this epoch began
                    break
                epoch_logs = dict(batch_logs)
                if validation is not None and _validates_after(epoch, validation_freq):
                    # Validation is an evaluation: the test hooks run (the bar stays quiet).
                    callback_list.on_test_begin()
                    val_logs = self._evaluate_batches(validation, callback_list)
                    callback_list.on_test_end(val_logs)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callback_list.on_epoch_end(epoch, epoch_logs)
                if self.stop_training:
                    break
        callback_list.on_train_end(epoch_logs)
        return self.history

    def _ensure_built(self, batches):
        if not self.built and isinstance(batches, data_lib.ArrayBatches):
            self.build((None, *batches.x.shape[1:]))

    def _evaluate_batches(self, batches, callback_list=None):
        self._reset_metrics()
        total, count = 0.0, 0
        logs = {}
        for step, (bx, by, bw) in enumerate(batches.batches()):
            if callback_list:
                callback_list.on_test_batch_begin(step)
            total += self._test_step(bx, by, bw) * len(bx)
            count += len(bx)
            logs = self._logs(total / max(count, 1))
            if callback_list:
                callback_list.on_test_batch_end(step, logs)
        return logs

    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
        **kwargs,
    ):
        """The loss and metrics over the data: a float, a list `[loss, *metrics]` or a dict."""
        from minikeras import callbacks as callbacks_module

        _refuse_unknown(kwargs, "Arguments not recognized")
        self._assert_compiled()
        batches = data_lib.make_batches(x, y, sample_weight, batch_size, False, steps)
        self._ensure_built(batches)
        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=batches.steps,
        )
        callback_list.on_test_begin()
        logs = self._evaluate_batches(batches, callback_list)
        callback_list.on_test_end(logs)
        return self._format_results(logs, return_dict)

    def _format_results(self, logs, return_dict):
        """A dict, or Keras' list: the loss, the metrics in compile order, the rest sorted."""
        if return_dict:
            return logs
        names = ["loss"] + [getattr(metric, "_listed_name", metric.name) for metric in self.metrics]
        ordered = [logs[name] for name in names if name in logs]
        ordered += [value for key, value in sorted(logs.items()) if key not in names]
        return ordered[0] if len(ordered) == 1 else ordered

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, **kwargs):
        """The model's outputs for `x`, as one float32 array."""
        _refuse_unknown(kwargs, "Arguments not recognized")
        batches = data_lib.make_batches(x, None, None, batch_size, False, steps)
        verbose = 1 if verbose == "auto" else verbose
        quiet = verbose == 0 and not callbacks and steps is None
        if quiet and isinstance(batches, data_lib.ArrayBatches):
            if batches.num_samples <= batches.batch_size:
                return self(batches.x, training=False)
            return self._predict_arrays(batches)
        from minikeras import callbacks as callbacks_module

        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
            steps=batches.steps,
        )
        callback_list.on_predict_begin()
        outputs = []
        for step, (bx, _, _) in enumerate(batches.batches()):
            callback_list.on_predict_batch_begin(step)
            outputs.append(self(bx, training=False))
            callback_list.on_predict_batch_end(step, {"outputs": outputs[-1]})
        callback_list.on_predict_end()
        return np.concatenate(outputs) if outputs else np.empty((0,), np.float32)

    def _predict_arrays(self, batches):
        """The quiet path: no callbacks, one preallocated output, and after the first batch
        (checked like any call) the layers' `call` directly, with no per-batch bookkeeping.

        Large batches run two at a time in threads with one BLAS thread each: numpy releases the
        GIL in its loops, so the elementwise work uses both cores, not only the products. The
        first batch too runs on one BLAS thread: after a product on two, OpenBLAS' idle worker
        spins on the second core for a tenth of a second and halves the second thread's speed.
        """
        from concurrent.futures import ThreadPoolExecutor

        from minikeras import backend

        x, size = self._conform_input(batches.x), batches.batch_size
        threads = backend.blas_threads_for(size, _widest_layer(self))
        with backend.blas_threads(1):
            first = self(x[:size], training=False)
            out = np.empty((len(x), *first.shape[1:]), first.dtype)
            out[:size] = first

            def predict_from(start):
                out[start:start + size] = self._call_unchecked(x[start:start + size])

            starts = range(size, len(x), size)
            if threads > 1:
                with ThreadPoolExecutor(threads) as pool:
                    for _ in pool.map(predict_from, starts):
                        pass
            else:
                for start in starts:
                    predict_from(start)
        return out

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on one batch; returns the loss (and metrics)."""
        self._assert_compiled()
        if class_weight is not None and sample_weight is not None:
            raise ValueError(
                "Arguments `sample_weight` and `class_weight` cannot be specified at the same "
                f"time. Received: sample_weight={sample_weight}, class_weight={class_weight}"
            )
        x, y = data_lib.as_array(x, "x"), data_lib.as_array(y, "y")
        if class_weight is not None:
            sample_weight = data_lib.class_weights_to_sample_weights(y, class_weight)
        if not self.built:
            self.build((None, *x.shape[1:]))
        self._reset_metrics()  # each call reports its own batch, as in Keras 3
        value = self._train_step(x, y, data_lib.as_array(sample_weight, "sample_weight"))
        return self._format_results(self._logs(value), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) on one batch, without training."""
        self._assert_compiled()
        self._reset_metrics()
        value = self._test_step(
            data_lib.as_array(x, "x"), data_lib.as_array(y, "y"),
            data_lib.as_array(sample_weight, "sample_weight"),
        )
        return self._format_results(self._logs(value), return_dict)


def _validates_after(epoch, validation_freq):
    """Whether validation follows the 0-based `epoch`: every `validation_freq` epochs, or after
    the (1-based) epochs a list names, as in Keras."""
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    if isinstance(validation_freq, (list, tuple, set, range)):
        return epoch + 1 in validation_freq
    raise ValueError(
        "Expected `validation_freq` to be a list or int. Received: "
        f"validation_freq={validation_freq} of the type {type(validation_freq)}."
    )


def _refuse_unknown(kwargs, message):
    """Keras' error for unknown keyword arguments; Keras 2's data-loading ones (queue,
    workers, processes: nothing to do on numpy) are accepted and dropped."""
    unknown = {
        key: value for key, value in kwargs.items()
        if key not in ("max_queue_size", "workers", "use_multiprocessing")
    }
    if unknown:
        raise ValueError(f"{message}: {unknown}")


def _one_output(spec, nested=False):
    """Keras' per-output form of a compile argument (a dict, or a list with one entry per
    output; for metrics, a list of lists) reduced to the one output of a Sequential model."""
    if isinstance(spec, dict):
        if len(spec) != 1:
            raise ValueError(
                f"minikeras' Sequential models have one output; received a dict for {len(spec)}: "
                f"{spec}"
            )
        return next(iter(spec.values()))
    one = isinstance(spec, (list, tuple)) and len(spec) == 1
    if one and (not nested or isinstance(spec[0], (list, tuple, dict))):
        return _one_output(spec[0], nested)
    return spec


def _as_list(specs):
    if specs is None:
        return []
    return list(specs) if isinstance(specs, (list, tuple)) else [specs]


def _deserialize_spec(kind, spec, custom_objects):
    """Compile settings from a file: names stay names, configs become objects."""
    from minikeras.saving import registry

    if isinstance(spec, list):
        return [_deserialize_spec(kind, item, custom_objects) for item in spec]
    if isinstance(spec, dict) and "class_name" in spec:
        return registry.deserialize(kind, spec, custom_objects)
    return spec


def _widest_layer(model):
    return max((w.value.shape[-1] for w in model.weights if w.value.ndim == 2), default=1)


def _blas_threads_for(model, batches):
    """A context using the BLAS thread count worth having for this model's matrices."""
    from minikeras import backend

    size = getattr(batches, "batch_size", None) or 32
    return backend.blas_threads(backend.blas_threads_for(size, _widest_layer(model)))
