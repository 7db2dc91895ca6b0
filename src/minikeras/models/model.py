"""`Model`: a layer made of layers, with inference, summary, serialization and training."""

import json

import numpy as np

from minikeras.core import tape
from minikeras.core.tensor import Tensor
from minikeras.layers.base import _OUTSIDE, Layer, StalePlan, _calls
from minikeras.models.trainer import Trainer, _traced_steps
from minikeras.saving import registry

# What `Model._plans` keeps for an input shape it cannot plan for.
NO_PLAN = "no plan"
# At most this many input shapes' plans per model (one per batch size met, mostly).
PLANS_KEPT = 16


@registry.register("layer", module="keras")
class Model(Trainer, Layer):
    """A layer made of layers, with training (`compile`, `fit`, ...), summary and saving.

    Subclass it as Keras users do: create layers in `__init__` (they are tracked as
    attributes, in lists and in dicts), compute in `call`; `fit` runs `train_step`, which a
    subclass may override too. `Sequential` is a `Model` whose `call` runs a stack of layers.
    """

    def __new__(cls, *args, **kwargs):
        # As Keras 3: `Model(inputs, outputs)` makes a Functional model.
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from minikeras.models.functional import Functional

            return Functional.__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            # A subclass given `inputs` and `outputs` is a functional model with the
            # subclass' own methods (a `train_step`, say): as Keras 3, its class is made to
            # derive from Functional instead of Model.
            from minikeras.models.functional import Functional

            _derive_from_functional(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        Layer.__init__(self, **kwargs)
        Trainer.__init__(self)
        # Inference plans, by input shape (see `_run_plan`): a model that makes them (Sequential,
        # Functional) keeps them for inputs of `_plans_dtype`.
        self._plans = {}
        self._plans_dtype = None

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A model from its config; a functional config (Keras 2's `Model` entries included)
        makes a Functional model."""
        if isinstance(config, dict) and {"layers", "input_layers", "output_layers"} <= set(config):
            from minikeras.models.functional import Functional, functional_from_config

            return functional_from_config(Functional if cls is Model else cls, config,
                                          custom_objects)
        return cls(**config)

    def call(self, *args, **kwargs):
        raise NotImplementedError(
            f"Model {type(self).__name__} does not have a `call()` method implemented."
        )

    @property
    def layers(self):
        """The layers the model holds, in the order they were assigned."""
        return [layer for layer in self._sublayers() if not _is_input_layer(layer)]

    def build(self, input_shape=None):
        """Build a subclassed model by running it once on zeros of `input_shape` (Keras runs
        it symbolically): every layer it calls is built."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        if isinstance(input_shape, (list, dict)) or (
            isinstance(input_shape, tuple) and input_shape and isinstance(input_shape[0], tuple)
        ):
            probe = _zeros_like_shapes(input_shape, self._np_dtype)
        else:
            probe = _zeros_like_shapes(tuple(input_shape), self._np_dtype)
        self._build_input_shape = input_shape
        self.built = True
        self(probe, training=False)

    def _ensure_built(self, batches):
        if type(self).call is Model.call:
            return  # a model that is its `train_step` alone (Keras' VAE): nothing to run
        super()._ensure_built(batches)

    def _build_for(self, input_shape):
        if type(self).build is Model.build:
            self.built = True  # a subclassed model's layers build on its first call
            self._build_input_shape = input_shape
        else:
            super()._build_for(input_shape)

    def _call_unchecked(self, inputs):
        """Inference on inputs already checked (predict's later batches)."""
        return self._invoke(inputs, False)

    # ------------------------------------------------------------------------------------------
    # Inference plans

    def __call__(self, *args, **kwargs):
        # The fast entry: an inference call on one array that has a plan runs the plan alone.
        if len(args) == 1 and type(args[0]) is np.ndarray and (not kwargs or len(kwargs) == 1 and (
                (training := kwargs.get("training", True)) is False or training is None)):
            outputs = self._run_plan(args[0])
            if outputs is not None:
                return outputs.view(Tensor)  # as `Layer.__call__` returns an outermost call's
        return Layer.__call__(self, *args, **kwargs)

    def _run_plan(self, x):
        """The outputs of an inference call on the array `x` by the plan of its shape, or None
        when the call is not plainly one the plan answers: `x` not of the planned dtype, no plan
        (or none possible) for its shape, a tape recording in some thread, a call inside another
        layer's (whose `training` and losses it would share), losses of the last call to clear,
        or a layer changed since the plan was made (`StalePlan`). The general path, which
        `__call__` and `predict` take then, gives the same bytes and makes the plan.

        A plan (`_plan`) is the model's layers' `_inference_step`s, made at the first inference
        call with an input shape that the general path ran with every check: it holds only steps
        that took their input as it came and made an array of the shape their
        `compute_output_shape` gives, so that the checks would pass the same way again; its
        layers add no loss, and the steps read the weights' values at each call."""
        plan = self._plans.get(x.shape)
        if plan is None or plan is NO_PLAN or x.dtype is not self._plans_dtype \
                or tape._threads_recording or self._losses or self._loss_holders \
                or _calls.context.training is not _OUTSIDE:
            return None
        try:
            return plan(x)
        except StalePlan:
            return None

    def _infer_planned(self, x, checked):
        """Inference on the array `x` (of `_plans_dtype`, conformed to the model's input) by the
        plan of its shape, made now if there is none or it is stale (`checked`: `x` comes from
        predict's later batches)."""
        plan = self._plans.get(x.shape)
        if plan is None:
            return self._plan(x, checked)
        if plan is NO_PLAN:
            return self._infer_checked(x, False, checked)
        try:
            return plan(x)
        except StalePlan:
            return self._plan(x, checked)

    def _keep_plan(self, shape, plan):
        if len(self._plans) >= PLANS_KEPT:  # a model called on many batch sizes
            self._plans = {}
        self._plans[shape] = NO_PLAN if plan is None else plan

    def get_layer(self, name=None, index=None):
        """A layer by `name` or by `index` (exactly one of the two)."""
        if index is not None and name is not None:
            raise ValueError(
                f"Provide only a layer name or a layer index. Received: index={index}, name={name}."
            )
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: {[l.name for l in self.layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    # ------------------------------------------------------------------------------------------
    # Inference

    def predict_on_batch(self, x):
        """The model's output for one batch, as a float32 array."""
        with _traced_steps(self):
            return self(x, training=False)

    # ------------------------------------------------------------------------------------------
    # Description

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ):
        """Print a table of the layers, their output shapes and parameter counts."""
        from minikeras.utils.summary_utils import print_summary

        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
            layer_range=layer_range,
        )

    def to_json(self, **kwargs):
        """The model's architecture as a Keras 3 JSON string."""
        from minikeras.saving import registry

        return json.dumps(registry.serialize(self), default=_json_default, **kwargs)

    # ------------------------------------------------------------------------------------------
    # Files (minikeras.saving does the work)

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save architecture, weights, compile settings and optimizer state (`.keras`, `.h5`)."""
        from minikeras.saving import saving_api

        saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Save the weights (`.weights.h5`, or a Keras 2 `.h5` weights file)."""
        from minikeras.saving import saving_api

        saving_api.save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None,
               **kwargs):
        """Export the inference pass for other runtimes: minikeras writes `format="onnx"`
        (`opset_version=` among `kwargs`); Keras' other formats raise, saying why."""
        from minikeras import export

        export.export_model(self, filepath, format, verbose, input_signature, **kwargs)

    def __reduce__(self):
        """Pickled as its `.keras` archive: no training scratch in the pickle."""
        from minikeras.saving import pickling

        return pickling.reduce_model(self)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        """Load weights saved by minikeras, Keras 3 or Keras 2."""
        from minikeras.saving import saving_api

        saving_api.load_weights(
            self, filepath, skip_mismatch=skip_mismatch, by_name=by_name, **kwargs
        )


def static_shape(layer, input_shape):
    """The output shape `layer.compute_output_shape` gives for `input_shape`, or None."""
    try:
        return tuple(layer.compute_output_shape(input_shape))
    except Exception:  # noqa: BLE001 (a layer that cannot tell: no plan through it)
        return None


def _is_input_layer(layer):
    from minikeras.layers.input_layer import InputLayer

    return isinstance(layer, InputLayer)


def _zeros_like_shapes(shapes, dtype):
    """Zeros of each shape (an unknown axis taken as 1)."""
    if isinstance(shapes, dict):
        return {k: _zeros_like_shapes(v, dtype) for k, v in shapes.items()}
    if isinstance(shapes, (list, tuple)) and shapes and isinstance(shapes[0], (list, tuple)):
        return [_zeros_like_shapes(s, dtype) for s in shapes]
    return np.zeros([1 if d is None else d for d in shapes], dtype)


def _json_default(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _derive_from_functional(cls):
    """`cls` with `Model` replaced by `Functional` among its ancestors (once)."""
    from minikeras.models.functional import Functional

    if issubclass(cls, Functional):
        return cls
    if cls is Model:
        return Functional
    cls.__bases__ = tuple(
        _derive_from_functional(base) if issubclass(base, Model) else base
        for base in cls.__bases__
    )
    return cls
