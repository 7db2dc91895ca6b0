"""`Sequential`: a stack of layers, each feeding the next."""

import numpy as np

from minikeras.core import tape
from minikeras.core.tape import Node
from minikeras.layers.base import Layer, standardize_shape
from minikeras.layers.input_layer import InputLayer, KerasTensor
from minikeras.models.model import Model, static_shape
from minikeras.saving import registry

@registry.register("layer", module="keras")
class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: optional list of layers (an `Input(...)` may come first).
        trainable: whether the model's weights are trained.
        name: the model's name (default `sequential`, `sequential_1`, ...).
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        self._layers = []
        self._input_layer = None
        self._functional = None  # the same stack as a graph, once the input shape is known
        # Plans for inputs of the model's dtype (`_infer`), unless a subclass's own `call` does
        # more than the stack, which the fast entry would skip.
        self._plans_dtype = self._np_dtype if type(self).call is Sequential.call else None
        for layer in layers or ():
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    # ------------------------------------------------------------------------------------------
    # Structure

    def add(self, layer, rebuild=True):
        """Append a layer (or an `Input(...)`) to the stack."""
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history.operation, InputLayer):
            layer = layer._keras_history.operation
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `keras.Layer` can be added to a Sequential model. "
                f"Received: {layer} (of type {type(layer)})"
            )
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError(
                    "Sequential model '{}' has already been configured to use an input shape. "
                    "You cannot add an InputLayer here.".format(self.name)
                )
            self._input_layer = layer
        else:
            if any(existing.name == layer.name for existing in self._layers):
                raise ValueError(
                    "All layers added to a Sequential model should have unique names. Name "
                    f"'{layer.name}' is already the name of a layer in this model. Update the "
                    "`name` argument to pass a unique name."
                )
            if not self._layers and self._input_layer is None and layer._batch_input_shape:
                self._input_layer = InputLayer(
                    batch_shape=layer._batch_input_shape, dtype=layer.dtype
                )
            self._layers.append(layer)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        layer = self._layers.pop()
        self.built = False
        self._plans = {}
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.built = False
        self._plans = {}
        if self._input_layer is not None and self._layers:
            self.build(self._input_layer.batch_shape)
        elif self._input_layer is not None:
            self._build_input_shape = self._input_layer.batch_shape

    def build(self, input_shape=None):
        if input_shape is None and self._input_layer is not None:
            input_shape = self._input_layer.batch_shape
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        shape = standardize_shape(input_shape)
        self._plans = {}
        self._output_shapes = []
        for layer in self._layers:
            if not layer.built:
                layer._path_prefix = f"{self._path_prefix}{self.name}/"
                layer._build_for(shape)
            shape = layer.compute_output_shape(shape)
            self._output_shapes.append(shape)
        self._record_graph(standardize_shape(input_shape))

    def _record_graph(self, batch_shape):
        """As Keras 3, run the stack once on an `Input` too: each layer gets its graph node
        (`layer.output`, feature extraction, the summary's shapes), and the model its
        `inputs` and `outputs`. Calls still run the stack directly."""
        from minikeras.models.functional import Functional

        if not self._layers:
            return
        input_layer = self._input_layer
        if input_layer is None or input_layer.batch_shape != batch_shape:
            input_layer = InputLayer(batch_shape=batch_shape, dtype=self._layers[0].dtype)
        x = input_layer.output
        try:
            for layer in self._layers:
                x = layer(x)
        except NotImplementedError:  # a layer that cannot run on symbolic tensors
            self._functional = None
            return
        self._functional = Functional(input_layer.output, x)

    @property
    def layers(self):
        return list(self._layers)

    @property
    def inputs(self):
        return self._graph("input").inputs

    @property
    def outputs(self):
        return self._graph("output").outputs

    @property
    def input(self):
        return self._graph("input").input

    @property
    def output(self):
        return self._graph("output").output

    def _graph(self, what):
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined {what} yet.")
        return self._functional

    def _sublayers(self):
        return list(getattr(self, "_layers", ()))  # none yet while Layer.__init__ runs

    @property
    def input_shape(self):
        if self._build_input_shape is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined input shape yet.")
        return self._build_input_shape

    @property
    def output_shape(self):
        if not self.built:
            raise AttributeError(f"Sequential model '{self.name}' has no defined outputs yet.")
        return self._output_shapes[-1] if self._output_shapes else self._build_input_shape

    def layer_output_shapes(self):
        """Each layer's output shape (None where the model is not built yet)."""
        if not self.built:
            return [None] * len(self._layers)
        return list(self._output_shapes)

    def compute_output_shape(self, input_shape):
        for layer in self._layers:
            input_shape = layer.compute_output_shape(input_shape)
        return tuple(input_shape)

    # ------------------------------------------------------------------------------------------
    # Computation

    def _conform_input(self, x):
        """`x` with the rank of the model's `Input`, as Keras 3 adjusts it: a trailing axis of
        1 is dropped, or added where the `Input` ends in 1; any other rank is an error."""
        if not self._layers:
            raise ValueError(
                f"Sequential model {self.name} cannot be built because it has no layers. Call "
                "`model.add(layer)`."
            )
        if x.dtype is not self._np_dtype and x.dtype.kind in "iu" \
                and not self._keeps_integer_inputs:
            x = x.astype(self._np_dtype)  # predict's later batches skip the layers' casts
        if self._input_layer is None:
            return x
        expected = self._input_layer.batch_shape
        if x.ndim == len(expected):
            return x
        if x.ndim == len(expected) + 1 and x.shape[-1] == 1:
            return x[..., 0]
        if x.ndim == len(expected) - 1 and expected[-1] == 1:
            return x[..., None]
        raise ValueError(
            f"Invalid input shape for the input of Sequential model '{self.name}'. Expected "
            f"shape {expected}, but input has incompatible shape {x.shape}"
        )

    @property
    def _keeps_integer_inputs(self):
        # Integer inputs reach a first layer that computes with them (a lookup, an embedding)
        # intact, and any first layer where the model's `Input` is of integers; before a layer
        # that only moves values they become floats, as Keras' float `Input` casts them.
        if not self._layers:
            return False
        if self._input_layer is not None and str(self._input_layer.dtype).startswith(
                ("int", "uint")):
            return True
        first = self._layers[0]
        return first._keeps_integer_inputs and not first._moves_values

    @property
    def _takes_strings(self):
        return bool(self._layers) and self._layers[0]._takes_strings

    def call(self, inputs, training=False):
        if type(inputs) is np.ndarray and not tape.recording():
            return self._infer(inputs, training, False)
        for layer in self._layers:
            # An array, or a recorded value: a plain layer's call is its forward (recorded as
            # one node while a tape records), without __call__'s bookkeeping; where a mask is
            # carried or made, with that mask handed on as __call__ hands it.
            kind = type(inputs)
            if kind is np.ndarray or kind is Node:
                if (kind is np.ndarray or inputs._keras_mask is None) \
                        and layer._is_plain_function():
                    inputs = layer._apply_plain(inputs, training)
                    continue
                if layer._records_plainly():
                    inputs = layer._apply_masked(inputs, training)
                    continue
            inputs = layer(inputs, training=training)
        return inputs

    def _call_unchecked(self, inputs):
        """Inference on inputs already checked (predict's later batches): the layers' `call`
        alone, without `__call__`'s conversions, checks and bookkeeping (a subclass's own
        `call` is called, as `Model._call_unchecked` calls it)."""
        if type(self).call is not Sequential.call:
            return super()._call_unchecked(inputs)
        if type(inputs) is np.ndarray and not tape.recording():
            return self._infer(inputs, False, True)
        for layer in self._layers:
            if type(inputs) is np.ndarray and layer._is_plain_function():
                inputs = layer._apply_plain(inputs, False)
            else:
                inputs = layer._invoke(inputs, False)
        return inputs

    def _infer(self, x, training, checked):
        """The stack on an array while no tape records. Any layer that is not plain
        (`Layer._is_plain_function`), or any output that is not a plain array, goes through
        `__call__` (`_invoke` for inputs `checked`); a plain layer runs its `forward` and
        activation directly (`Layer._infer_plain`).

        What that decides, and the plain layers' checks of their input (dtype, shape), depend
        only on the layers and on the shape and dtype of `x`: an inference call (`training`
        False) on an array of the model's dtype runs the plan of its shape, made at the first
        such call (`Model._run_plan`). Adding, popping or building layers drops the plans; a
        plan whose layer changed since (`StalePlan`) is made again."""
        if training is False and x.dtype is self._plans_dtype:
            return self._infer_planned(x, checked)
        return self._infer_checked(x, training, checked)

    def _infer_checked(self, x, training, checked):
        """`_infer` with every check made at every layer."""
        for layer in self._layers:
            x = self._checked_step(layer, x, training, checked)
        return x

    @staticmethod
    def _checked_step(layer, x, training, checked):
        if type(x) is np.ndarray and layer._is_plain_function():
            return layer._infer_plain(x, training)
        return layer._invoke(x, training) if checked else layer(x, training=training)

    def _plan(self, x, checked):
        """`_infer_checked` for inference, keeping the plan of the shape of `x`: each layer's
        `_inference_step`, if each layer has one, took its input as it came (its dtype, and
        `_conform_input` returning the array itself) and made an array of the shape its
        `compute_output_shape` gives (an output shape that hangs on the values, not only the
        input shape, would leave the next layer's checks to make); `NO_PLAN` otherwise."""
        key, steps = x.shape, []
        for layer in self._layers:
            step = layer._inference_step() if type(x) is np.ndarray else None
            as_given = step is not None and x.dtype == layer._np_dtype \
                and layer._conform_input(x) is x
            shape = x.shape
            x = self._checked_step(layer, x, False, checked)
            if steps is not None and as_given and type(x) is np.ndarray \
                    and static_shape(layer, shape) == x.shape:
                steps.append(step)
            else:
                steps = None
        self._keep_plan(key, None if steps is None else _chain(tuple(steps)))
        return x

    # ------------------------------------------------------------------------------------------
    # Config

    def get_config(self):
        layers = [registry.serialize(layer) for layer in self._layers]
        input_layer = self._input_layer
        if input_layer is None and self._functional is not None:  # built: Keras 3 lists the
            input_layer = self._functional.inputs[0]._keras_history.operation  # Input it made
        if input_layer is not None:
            layers.insert(0, registry.serialize(input_layer))
        config = {**super().get_config(), "layers": layers}
        if self._build_input_shape is not None:
            config["build_input_shape"] = self._build_input_shape
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if isinstance(config, list):  # Keras 1/2 era: the layer list itself
            config = {"layers": config}
        config = dict(config)
        layer_configs = config.pop("layers")
        build_input_shape = config.pop("build_input_shape", None)
        model = cls(name=config.get("name"), trainable=config.get("trainable", True),
                    dtype=config.get("dtype"))
        for layer_config in layer_configs:
            model.add(registry.deserialize("layer", layer_config, custom_objects), rebuild=False)
        model._maybe_rebuild()
        if not model.built and build_input_shape is not None and model._layers:
            model.build(build_input_shape)
        return model

    def __repr__(self):
        return f"<Sequential name={self.name}, built={self.built}>"


def _chain(steps):
    """A Sequential model's plan: its layers' steps, each on the last one's output."""
    def run(x):
        for step in steps:
            x = step(x)
        return x

    return run
