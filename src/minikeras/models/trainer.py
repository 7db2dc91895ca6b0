"""`Trainer`: compile, fit, evaluate and predict, over Keras 3's public steps.

`fit`, `evaluate` and `predict` loop over batches and call `train_step`, `test_step` and
`predict_step`, which a subclass may override. The default `train_step` is the loop a user
writes with a `GradientTape`: the forward pass under the tape, `compute_loss`, the tape's
gradients of the trainable variables (into buffers kept across steps), one optimizer update.
"""

import contextlib
import functools
import inspect
import operator
import warnings

import numpy as np

from minikeras import backend, tree
from minikeras.core import tape
from minikeras.core.tensor import as_array
from minikeras.layers.base import Layer
from minikeras.models import data as data_lib
from minikeras.utils import heap

# A diverging run goes to inf and nan quietly, as in Keras (TerminateOnNaN stops it).
_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}
_LOSSES = operator.attrgetter("_losses")  # the losses a layer's last call added (a list)
_FLOAT32 = np.dtype("float32")


def _traced_steps(model):
    """Where `fit`, `evaluate` and `predict` run: inside `backend.traced_function()` unless the
    model runs eagerly. Keras traces their steps (TensorFlow's graphs, JAX's jit), and there
    `Resizing` takes integer images in its compute dtype, where called eagerly it keeps them
    integers. The callbacks of the loop run inside too (Keras runs them eagerly): only those
    layers read the difference."""
    return contextlib.nullcontext() if model.run_eagerly else backend.traced_function()


class Trainer:
    """Mixin giving a model Keras' training API."""

    # A functional model's output structure (its own attribute); None for the others.
    _outputs_struct = None

    def __init__(self):
        self.compiled = False
        self.stop_training = False
        self.history = None
        self._loss_fn = self._compiled_loss = None
        self._loss_tracker = self._compile_metrics = None
        self._compile_config = None
        self._steps = None  # what the steps of the fit under way read, found once (_Steps)
        self._initial_epoch = None
        self.run_eagerly = False

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

        Keras' backend-only arguments (`jit_compile`, `steps_per_execution`, ...) are
        accepted and have no effect. `run_eagerly=False` (the default) runs `fit`, `evaluate`
        and `predict` where Keras would trace their steps (`_traced_steps`); numpy runs them the
        same either way, but a few layers take inputs differently there, as in Keras.
        """
        from minikeras import metrics as metrics_module
        from minikeras import optimizers
        from minikeras.models.compile_utils import CompileMetrics

        for legacy in ("sample_weight_mode", "target_tensors", "distribute", "pss_evaluation_shards"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise TypeError(
                f"Trainer.compile() got an unexpected keyword argument '{next(iter(kwargs))}'")
        self.optimizer = optimizers.get(optimizer)
        if (auto_scale_loss and self.dtype_policy.name == "mixed_float16" and self.optimizer
                and not isinstance(self.optimizer, optimizers.LossScaleOptimizer)):
            # Keras' float16 training scales the loss; the state and files say so here too.
            self.optimizer = optimizers.LossScaleOptimizer(
                self.optimizer, name="loss_scale_optimizer")
        self.loss = loss
        self.run_eagerly = bool(run_eagerly)
        self._loss_fn = self._compiled_loss = None
        output_names = self._nested_output_names()
        if output_names:
            from minikeras.models.compile_utils import CompileLoss, MultiOutputMetrics

            self._loss_spec = self._loss_weight = None
            if loss is not None:
                self._compiled_loss = CompileLoss(loss, loss_weights, output_names)
            self._compile_metrics = (
                MultiOutputMetrics(metrics, weighted_metrics, output_names)
                if metrics or weighted_metrics else None
            )
        else:
            self._loss_spec = _one_output(loss)
            self._loss_weight = _one_output(loss_weights)
            if isinstance(self._loss_weight, (list, tuple)):  # Keras finds it at the first fit
                raise ValueError(
                    "`loss_weights` must match the number of losses, got 1 losses and "
                    f"{len(self._loss_weight)} weights.")
            metric_specs = _as_list(_one_output(metrics, nested=True))
            weighted_metric_specs = _as_list(_one_output(weighted_metrics, nested=True))
            self._compile_metrics = (
                CompileMetrics(metric_specs, weighted_metric_specs)
                if metric_specs or weighted_metric_specs else None
            )
        self._loss_tracker = metrics_module.Mean(name="loss")
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

    def _nested_output_names(self):
        """The output names of a model with a list (of several) or a dict of outputs, in the
        order of its flat outputs; None for a model with one output."""
        struct = self._outputs_struct
        if isinstance(struct, dict):
            return sorted(struct)
        if isinstance(struct, (list, tuple)) and len(struct) > 1:
            return list(self.output_names)
        return None

    def _in_output_order(self, values, what):
        from minikeras.models.compile_utils import outputs_in_order

        return outputs_in_order(values, self._nested_output_names(), what)

    def _assert_compiled(self):
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")

    def _resolve_compiled(self, y, y_pred, need_loss=True):
        """The loss is chosen from the first batch's shapes, as Keras 3 does."""
        from minikeras import losses

        if self._loss_fn is None and self._loss_spec is not None:
            self._loss_fn = losses.resolve_compile_loss(
                self._loss_spec, y, tree.map_structure(tape.value_of, y_pred)
            )

    @property
    def metrics(self):
        """Keras' order: the loss tracker, the compiled metrics, then metrics held as
        attributes by the model and its layers."""
        own = []
        if self.compiled:
            own.append(self._loss_tracker)
            if self._compile_metrics is not None:
                own.append(self._compile_metrics)
            if self._compiled_loss is not None and len(self._compiled_loss.metrics) > 1:
                own.extend(self._compiled_loss.metrics)
        return own + [m for m in Layer.metrics.fget(self) if all(m is not o for o in own)]

    @property
    def metrics_names(self):
        return [metric.name for metric in self.metrics]

    def reset_metrics(self):
        for metric in self._steps.metrics if self._steps else self.metrics:
            metric.reset_state()

    # ------------------------------------------------------------------------------------------
    # One batch: the steps a subclass may override, as Keras 3 names them

    def train_step(self, data):
        """One optimizer step on one batch `(x, y, sample_weight)`; returns the logs."""
        return self._train_step(data, logs=True)

    def _train_step(self, data, logs):
        """`train_step`; without `logs` (fit's batches when no callback reads a batch's logs)
        the metrics are updated but their results not taken."""
        x, y, sample_weight = data_lib.unpack(data)
        with np.errstate(**_QUIET):  # the whole step, the loss's tracking too
            with tape.GradientTape() as recording:
                y_pred = self(x, training=True) if self._call_takes_training else self(x)
                loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
                scaled = loss if self.optimizer is None else self.optimizer.scale_loss(loss)
            self._loss_tracker.update_state(tape.value_of(loss), sample_weight=_batch_size(x))
            variables = self._steps.variables if self._steps else self.trainable_variables
            if variables:
                # Into arrays the optimizer keeps across steps (views of its packed arrays).
                buffers = self.optimizer._fit_gradient_buffers(variables)
                grads = recording.gradient(scaled, variables, into=buffers)
                self.optimizer.apply(grads, variables)
            else:
                warnings.warn("The model does not have any trainable weights.", stacklevel=2)
            if logs or type(self).compute_metrics is not Trainer.compute_metrics:
                return self.compute_metrics(x, y, y_pred, sample_weight)
            self._update_compiled_metrics(y, y_pred, sample_weight)
            return None

    def test_step(self, data):
        """The loss and metrics of one batch, without training; returns the logs."""
        x, y, sample_weight = data_lib.unpack(data)
        # Recorded, though nothing is differentiated, so that a crossentropy sees a softmax or
        # sigmoid output and takes its stable form at the logits, as in training.
        with np.errstate(**_QUIET), tape.GradientTape(watch_accessed_variables=False):
            y_pred = self._inference_call(x)
            loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(tape.value_of(loss), sample_weight=_batch_size(x))
        with np.errstate(**_QUIET):
            return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch."""
        x, _, _ = data_lib.unpack(data)
        return self._inference_call(x)

    def _inference_call(self, x):
        """The model called for inference as Keras 3 calls it: `training=False` only for a
        `call` that takes `training` (the others' layers keep their own defaults)."""
        return self(x, training=False) if self._call_takes_training else self(x)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss (weighted) plus every term of `self.losses`."""
        if y is None and self._loss_spec is not None:
            raise ValueError(
                "The compiled loss needs targets, and `y` is None: pass `y` (`fit(x, y)`), or "
                "have the generator or dataset yield `(x, y)` or `(x, y, sample_weight)` tuples.")
        self._resolve_compiled(y, y_pred)
        losses = []
        if self._compiled_loss is not None:
            loss = self._compiled_loss(self._in_output_order(y, "y"),
                                       self._in_output_order(y_pred, "y_pred"), sample_weight)
            if loss is not None:
                losses.append(loss)
        if self._loss_fn is not None:
            loss = self._loss_fn(y, y_pred, sample_weight=sample_weight)
            if self._loss_weight is not None:
                loss = loss * np.float32(self._loss_weight)
            losses.append(loss)
        losses.extend(self._steps.losses() if self._steps else self.losses)
        if not losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        total = losses[0]
        for term in losses[1:]:
            total = total + term
        return total

    def _compute_loss(self, x, y, y_pred, sample_weight, training):
        """`compute_loss`, also when a subclass's override takes no `training` (Keras < 3.3)."""
        if _takes_training(type(self).compute_loss):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with one batch; returns `get_metrics_result()`."""
        self._update_compiled_metrics(y, y_pred, sample_weight)
        return self.get_metrics_result()

    def _update_compiled_metrics(self, y, y_pred, sample_weight):
        if self._compile_metrics is not None:
            y_pred = tape.value_of(y_pred) if type(y_pred) is tape.Node else tree.map_structure(
                tape.value_of, y_pred)
            if self._outputs_struct is not None and self._nested_output_names():
                y, y_pred = self._in_output_order(y, "y"), self._in_output_order(y_pred, "y_pred")
            else:
                self._resolve_compiled(y, y_pred, need_loss=False)
            self._compile_metrics.update_state(y, y_pred, sample_weight)

    def get_metrics_result(self):
        """Every metric's result as a dict of floats (a metric giving a dict gives its
        entries), in the order Keras' logs list them."""
        logs = {}
        for metric in self._steps.metrics if self._steps else self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                logs.update({k: float(v) for k, v in result.items()})
            else:
                logs[metric.name] = float(result)
        return dict(sorted(logs.items()))

    def _get_metrics_result_or_logs(self, logs):
        """The metrics' results where a step's logs name the same entries (Keras' rule), else
        the last step's logs, as a custom step returned them."""
        results = self.get_metrics_result()
        if isinstance(logs, dict) and set(logs) == set(results):
            return results
        return logs

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
        with _traced_steps(self):
            from minikeras import callbacks as callbacks_module

            if "nb_epoch" in kwargs:
                warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.",
                              UserWarning, stacklevel=2)
                epochs = kwargs.pop("nb_epoch")
            _refuse_unknown(kwargs, "fit")
            cap = backend.max_epochs()  # a debugging cap (`KERAS_MAX_EPOCHS`)
            if cap and cap < epochs:
                warnings.warn(f"Limiting epochs to {cap}", stacklevel=2)
                epochs = cap
            data_lib.check_counts(batch_size=batch_size, steps_per_epoch=steps_per_epoch,
                                  validation_batch_size=validation_batch_size,
                                  validation_steps=validation_steps)
            self._assert_compiled()
            if validation_split and validation_data is None:
                (x, y, sample_weight), validation_data = data_lib.split_validation(
                    x, y, sample_weight, validation_split
                )
            batches = data_lib.make_batches(x, y, sample_weight, batch_size, shuffle,
                                            steps_per_epoch, class_weight)
            validation = None
            if validation_data is not None:
                val_x, val_y, val_w = data_lib.unpack(validation_data)
                if val_y is None and self._loss_spec is not None and data_lib.is_array_like(val_x):
                    raise ValueError(
                        "The compiled loss needs targets, and `validation_data` has none: pass "
                        "`validation_data=(x_val, y_val)` or `(x_val, y_val, val_sample_weight)`.")
                validation = data_lib.make_batches(
                    val_x, val_y, val_w, validation_batch_size or batch_size, False,
                    validation_steps)
            self._ensure_built(batches)
            heap.retain_freed_memory()
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
            self._steps = _Steps(self)  # fixed for this fit, as Keras fixes its train function
            callback_list.on_train_begin()
            # A callback resuming an interrupted fit (BackupAndRestore) sets the epoch, as in Keras.
            initial_epoch, self._initial_epoch = self._initial_epoch or initial_epoch, None
            epoch_logs = None
            try:
                with _threads_for(self, batches):
                    for epoch in range(initial_epoch, epochs):
                        self.reset_metrics()
                        callback_list.on_epoch_begin(epoch)
                        logs, stepped = None, False
                        # A batch's logs are taken only if a callback reads them (or the step is
                        # a user's): the epoch's logs are the metrics' results all the same.
                        quiet = (type(self).train_step is Trainer.train_step
                                 and not callback_list.reads("on_train_batch_end"))
                        for step, data in enumerate(batches.batches(resume=True)):
                            callback_list.on_train_batch_begin(step)
                            if quiet:
                                self._train_step(data, logs=False)
                            else:
                                logs = _python_logs(self.train_step(_as_given(data)))
                                callback_list.on_train_batch_end(step, logs)
                            stepped = True
                            if self.stop_training:
                                break
                        if not stepped and batches.num_samples != 0:
                            break  # the data ran out before this epoch began
                        # No rows: an epoch of no steps, validated all the same (Keras 3).
                        epoch_logs = {} if not stepped else dict(
                            self.get_metrics_result() if quiet
                            else self._get_metrics_result_or_logs(logs))
                        if validation is not None and _validates_after(epoch, validation_freq):
                            # Validation is an evaluation: the test hooks run (the bar stays quiet).
                            callback_list.on_test_begin()
                            val_logs = self._evaluate_batches(validation, callback_list)
                            callback_list.on_test_end(val_logs)
                            epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                        callback_list.on_epoch_end(epoch, epoch_logs)
                        if self.stop_training:
                            break
            finally:
                self._steps = None
            if epochs > 0 and getattr(self.optimizer, "built", False):  # use_ema: the averages
                self.optimizer.finalize_variable_values(self.trainable_weights)
            callback_list.on_train_end(epoch_logs)
            return self.history

    def _ensure_built(self, batches):
        if not self.built and isinstance(batches, data_lib.ArrayBatches):
            if tree.is_nested(batches.x):
                return  # built by its first call
            self.build((None, *batches.x.shape[1:]))

    def _evaluate_batches(self, batches, callback_list=None):
        self.reset_metrics()
        logs = {}
        for step, data in enumerate(batches.batches()):
            if callback_list:
                callback_list.on_test_batch_begin(step)
            logs = _python_logs(self.test_step(_as_given(data)))
            if callback_list:
                callback_list.on_test_batch_end(step, logs)
        return self._get_metrics_result_or_logs(logs) if logs else logs

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
        with _traced_steps(self):
            from minikeras import callbacks as callbacks_module

            _refuse_unknown(kwargs, "evaluate")
            data_lib.check_counts(batch_size=batch_size, steps=steps)
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
        names = ["loss"]
        if self._compile_metrics is not None and self._compile_metrics.built:
            names += self._compile_metrics.listed_names()
        if self._compiled_loss is not None:
            names += [metric.name for metric in self._compiled_loss.metrics]
        ordered = [logs[name] for name in names if name in logs]
        ordered += [value for key, value in sorted(logs.items()) if key not in names]
        return ordered[0] if len(ordered) == 1 else ordered

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, **kwargs):
        """The model's outputs for `x`, as one float32 array."""
        with _traced_steps(self):
            # (`is`, not `==`: a float32 dtype that is not numpy's own, or a subclass's
            # predict_step, or nested outputs, take the general path below)
            if (type(x) is np.ndarray and x.dtype is _FLOAT32 and steps is None and not kwargs
                    and backend.max_steps_per_epoch() is None
                    and (batch_size is None or type(batch_size) is int)
                    and len(x) <= (batch_size or 32)
                    and type(self).predict_step is Trainer.predict_step
                    and (self._outputs_struct is None or not self._nested_output_names())):
                # One batch of one array: a call, between the hooks of the callbacks and the bar if
                # there are any (in one C-contiguous array, as the batches would have it).
                if verbose == 0 and not callbacks:
                    return self._predict_batch(x)
                if len(x) and x.flags.c_contiguous:
                    return self._predict_one_batch(x, verbose, callbacks)
            _refuse_unknown(kwargs, "predict")
            data_lib.check_counts(batch_size=batch_size, steps=steps)
            batches = data_lib.make_batches(x, None, None, batch_size, False, steps)
            verbose = 1 if verbose == "auto" else verbose
            quiet = verbose == 0 and not callbacks
            one_array = (
                type(self).predict_step is Trainer.predict_step
                and isinstance(batches, data_lib.ArrayBatches) and batches.one_pass
                and not tree.is_nested(batches.x)
                and not self._nested_output_names())
            if quiet and one_array:
                if batches.num_samples <= batches.batch_size:
                    return as_array(self._inference_call(batches.x))
                return self._predict_arrays(batches)
            from minikeras import callbacks as callbacks_module

            callback_list = callbacks_module.CallbackList(
                callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                steps=batches.steps,
            )
            callback_list.on_predict_begin()
            if one_array and batches.num_samples:
                out = self._predict_arrays(batches, callback_list)
                callback_list.on_predict_end()
                return out
            outputs, structured = _Outputs(batches.num_samples), []
            for step, data in enumerate(batches.batches()):
                callback_list.on_predict_batch_begin(step)
                batch = tree.map_structure(lambda y: as_array(tape.value_of(y)),
                                           self.predict_step(_as_given(data)))
                if tree.is_nested(batch):
                    structured.append(batch)
                else:
                    outputs.add(batch)
                callback_list.on_predict_batch_end(step, {"outputs": batch})
            callback_list.on_predict_end()
            if structured:
                # The model's output structure (a list or a dict), each leaf concatenated.
                leaves = zip(*(tree.flatten(batch) for batch in structured))
                return tree.pack_sequence_as(structured[0],
                                             [np.concatenate(leaf) for leaf in leaves])
            if outputs.empty and isinstance(batches, data_lib.ArrayBatches):
                return as_array(self._inference_call(batches.x))  # no rows: the output's shape
            return outputs.result()

    def _predict_batch(self, x):
        """The outputs of one batch of one float32 array, as `predict_step` gives them."""
        outputs = self._run_plan(x)  # (the inference plan's fast entry, as `Model.__call__`'s)
        if outputs is not None:
            return outputs
        if self.built and x.dtype is self._np_dtype:
            return as_array(self._infer_unchecked(self._conform_input(x)))
        return as_array(self._inference_call(x))

    def _predict_one_batch(self, x, verbose, callbacks):
        """`predict` of one batch of one array with callbacks (the progress bar among them):
        the loop of `predict` for one step, without cutting `x` into batches."""
        from minikeras import callbacks as callbacks_module

        callback_list = callbacks_module.CallbackList(
            callbacks, add_progbar=verbose != 0, model=self,
            verbose=1 if verbose == "auto" else verbose, epochs=1, steps=1,
        )
        callback_list.on_predict_begin()
        callback_list.on_predict_batch_begin(0)
        out = self._predict_batch(x)
        callback_list.on_predict_batch_end(0, {"outputs": out})
        callback_list.on_predict_end()
        return out

    def _predict_arrays(self, batches, callback_list=None):
        """One array's batches: one preallocated output, and after the first batch (checked
        like any call) the layers' `call` directly, with no per-batch bookkeeping. With
        callbacks (a progress bar), the batches run in order, each between its hooks.

        Large batches run two at a time in threads with one BLAS thread each: numpy releases the
        GIL in its loops, so the elementwise work uses both cores, not only the products. The
        first batch too runs on one BLAS thread: after a product on two, OpenBLAS' idle worker
        spins on the second core for a tenth of a second and halves the second thread's speed.
        """
        from concurrent.futures import ThreadPoolExecutor

        from minikeras import backend

        x, size = self._conform_input(batches.x), batches.batch_size
        starts = range(size, len(x), size)
        # One batch has no later batches to share out, nor a thread count to choose (reading
        # the model's weights for it costs more than a one-row call).
        threads = backend.blas_threads_for(size, _widest_layer(self)) if starts else 1
        with backend.blas_threads(1 if starts else None):
            if callback_list is not None:
                callback_list.on_predict_batch_begin(0)
            first = as_array(self._inference_call(x[:size]))
            out = np.empty((len(x), *first.shape[1:]), first.dtype)
            out[:size] = first
            if callback_list is not None:
                callback_list.on_predict_batch_end(0, {"outputs": first})

            def predict_from(start):
                out[start:start + size] = self._infer_unchecked(x[start:start + size])

            if callback_list is not None:
                for step, start in enumerate(starts, 1):
                    callback_list.on_predict_batch_begin(step)
                    predict_from(start)
                    callback_list.on_predict_batch_end(
                        step, {"outputs": out[start:start + size]})
            elif threads > 1:
                def predict_share(first):
                    """Every `threads`-th batch: a future per batch would keep 2 KB for each
                    of the 10,000 batches of 10 million rows."""
                    for start in starts[first::threads]:
                        predict_from(start)

                with ThreadPoolExecutor(threads) as pool:
                    for _ in pool.map(predict_share, range(threads)):
                        pass
            else:
                for start in starts:
                    predict_from(start)
        return out

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on one batch; returns the loss (and metrics)."""
        with _traced_steps(self):
            self._assert_compiled()
            if class_weight is not None and sample_weight is not None:
                raise ValueError(
                    "Arguments `sample_weight` and `class_weight` cannot be specified at the same "
                    f"time. Received: sample_weight={sample_weight}, class_weight={class_weight}"
                )
            x, y = data_lib.as_structure(x, "x"), data_lib.as_structure(y, "y")
            if class_weight is not None:
                sample_weight = data_lib.class_weights_to_sample_weights(y, class_weight)
            if not self.built and not tree.is_nested(x):
                self.build((None, *x.shape[1:]))
            self.reset_metrics()  # each call reports its own batch, as in Keras 3
            logs = self.train_step((x, y, data_lib.as_array(sample_weight, "sample_weight")))
            logs = self._get_metrics_result_or_logs(_python_logs(logs))
            return self._format_results(logs, return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss (and metrics) on one batch, without training."""
        with _traced_steps(self):
            self._assert_compiled()
            self.reset_metrics()
            logs = self.test_step((
                data_lib.as_structure(x, "x"), data_lib.as_structure(y, "y"),
                data_lib.as_array(sample_weight, "sample_weight"),
            ))
            logs = self._get_metrics_result_or_logs(_python_logs(logs))
            return self._format_results(logs, return_dict)


class _Outputs:
    """predict's batches of output, written into one array where the number of rows is known
    (arrays), so that nothing but the output is kept; else gathered and joined at the end."""

    def __init__(self, num_samples):
        self._rows = num_samples
        self._array, self._filled, self._batches = None, 0, []

    @property
    def empty(self):
        return self._array is None and not self._batches

    def add(self, output):
        if self._rows is None or type(output) is not np.ndarray:
            self._batches.append(output)
            return
        if self._array is None:
            self._array = np.empty((self._rows, *output.shape[1:]), output.dtype)
        self._array[self._filled:self._filled + len(output)] = output
        self._filled += len(output)

    def result(self):
        if self._array is not None:
            return self._array[:self._filled]  # fewer rows when `steps` stopped early
        return np.concatenate(self._batches) if self._batches else np.empty((0,), np.float32)


class _Steps:
    """What every step of one `fit` reads, found once: Keras fixes them in its compiled train
    function too (a layer frozen mid-fit takes effect at the next fit)."""

    def __init__(self, model):
        self.variables = model.trainable_variables
        self.metrics = model.metrics
        self._layers = model._flatten_layers()
        self._regularized = [v for v in self.variables if v.regularizer is not None]

    def losses(self):
        """`model.losses`, from the layers and variables found once (none, in most steps:
        checked in C)."""
        if not self._regularized and not any(map(_LOSSES, self._layers)):
            return []
        return Layer._losses_of(self._layers, self._regularized)


@functools.lru_cache(maxsize=None)
def _takes_training(compute_loss):
    return "training" in inspect.signature(compute_loss).parameters


def _batch_size(x):
    if type(x) is np.ndarray:
        return len(x)
    return len(next(leaf for leaf in tree.flatten(x) if leaf is not None))


def _as_given(batch):
    """A batch as Keras hands it to a step: `x` alone when there is no target
    (`pack_x_y_sample_weight`), so that a user's `train_step(self, data)` may use `data` as
    the inputs (Keras' VAE does)."""
    return data_lib.pack_x_y_sample_weight(*batch) if type(batch) is tuple else batch


def _python_logs(logs):
    """A step's logs as Python floats (Keras' `pythonify_logs`)."""
    if not isinstance(logs, dict):
        return logs
    result = {}
    for key, value in logs.items():
        if type(value) is float:  # what the metrics' results give: nothing to convert
            result[key] = value
        elif isinstance(value, dict):
            result.update(_python_logs(value))
        else:
            value = tape.value_of(value)
            try:
                result[key] = float(np.asarray(value)) if np.size(value) == 1 else value
            except (TypeError, ValueError):
                result[key] = value
    return result


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


def _refuse_unknown(kwargs, method):
    """Keras 3's error for unknown keyword arguments: `fit` and `predict` take none (Python's
    TypeError), `evaluate` takes `**kwargs` and refuses them with a ValueError. Keras 2's
    data-loading ones (queue, workers, processes: nothing to do on numpy) are dropped."""
    unknown = {
        key: value for key, value in kwargs.items()
        if key not in ("max_queue_size", "workers", "use_multiprocessing")
    }
    if unknown and method == "evaluate":
        raise ValueError(f"Arguments not recognized: {unknown}")
    if unknown:
        raise TypeError(
            f"Trainer.{method}() got an unexpected keyword argument '{next(iter(unknown))}'")


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
    """The widest output of a product among the model's kernels: a Dense kernel's units, a
    convolution kernel's filters. (Not taps times filters: a convolution's kernel gradient is a
    product with few rows and columns and a long inner axis, which threads slow down.)"""
    return max((w.value.shape[-1] for w in model.weights if w.value.ndim >= 2), default=1)


@contextlib.contextmanager
def _threads_for(model, batches):
    """A block using the CPUs worth using for this model's steps: BLAS threads for products
    wide enough to share, else one BLAS thread and the batch's parts shared between threads
    (`core.parallel`: convolutions and pooling, whose products are narrow and their
    temporaries large). Either way, no more threads than CPUs free."""
    from minikeras import backend
    from minikeras.core import parallel

    size = getattr(batches, "batch_size", None) or 32
    threads = backend.blas_threads_for(size, _widest_layer(model))
    if threads > 1:
        with backend.blas_threads(threads):
            yield
        return
    with backend.blas_threads(1), parallel.sharing(backend.threads_that_can_run()):
        yield
