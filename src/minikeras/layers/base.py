"""`Layer`, the base of every layer: its state, its call, and the contract of its gradient.

Two ways to write a layer, one engine under both (`minikeras.core.tape`):
- A user layer writes `call` with `minikeras.ops`. While a tape records, its ops record
  themselves on it, once: `call` is never replayed.
- A built-in layer writes `forward(inputs, training=False) -> (outputs, ctx)` and
  `backward(ctx, grad, grads) -> input gradient`: `ctx` is what this one call's backward needs
  (it is never stored on the layer, so a layer may be called any number of times, in any
  order, from several threads, inside several models), and `backward` adds its weights'
  gradients into `grads` (a `tape.Gradients`). While a tape records, the call is one Node of
  the tape whose vjp is `backward`; otherwise `ctx` is dropped and nothing is recorded.
"""

import inspect
import sys
import threading
import warnings

import numpy as np

from minikeras import activations, backend, dtype_policies, tree
from minikeras.core import parallel, tape
from minikeras.core.tape import Node
from minikeras.core.tensor import Tensor, as_array, as_tensor
from minikeras.core.variables import Variable, standardize_shape  # noqa: F401  (re-exported)
from minikeras.layers import node as graph
from minikeras.layers.input_spec import assert_input_compatibility
from minikeras.saving import registry

_OUTSIDE = object()
_STRUCTURES = (list, tuple, dict)


class _CallContext:
    """The call under way in one thread: its `training` value (Keras' call context; _OUTSIDE
    outside any call), and the layers that added losses during it (None before the first)."""

    __slots__ = ("training", "holders")

    def __init__(self):
        self.training = _OUTSIDE
        self.holders = None


class _ThreadCalls(threading.local):
    # One thread-local read per call (`_calls.context`), then plain attributes: each access
    # to a thread-local attribute costs about 560 CPU instructions, a slot about 50.
    def __init__(self):
        self.context = _CallContext()


_calls = _ThreadCalls()


class StalePlan(Exception):
    """Raised by a step of an inference plan (`Layer._inference_step`) whose layer's activation
    or activity regularizer is no longer what it was when the plan was made: the model drops the
    plan and takes its general path, which makes a new one."""


class Layer:
    """The base class of every layer.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: the layer's name; by default the snake case of the class name, made unique.
        dtype: the layer's compute and weight dtype (default `"float32"`).
        activity_regularizer: a regularizer applied to the layer's output.
        input_shape, input_dim, batch_input_shape, batch_size: for the first layer of a
            `Sequential`, the shape of its inputs (Keras' legacy spellings).
    """

    # Built-in layers with an `activation` set this: `forward` returns the activation's input
    # and the activation is applied after it (recorded as its own node for a softmax or
    # sigmoid, so that a loss can see that output and take its stable form at the logits;
    # inside the layer's node for the other built-in ones: `_recorded_activation`).
    _activation_after_forward = False
    # Layers that take integer inputs as integers (embeddings, lookups) set this.
    _keeps_integer_inputs = False
    # Layers that only move values (reshaping, padding, cropping, up-sampling) keep integers
    # too, but a model's float `Input` still makes its integer data floats before them.
    _moves_values = False
    # Layers that take strings (lookups, hashing, text) set this; the others refuse them.
    _takes_strings = False
    # Built-in layers with one input tensor refuse a list of several (Keras' input spec).
    _single_input = False
    # A user layer's `InputSpec` (or a structure of them); built-in layers check in
    # `_conform_input` instead.
    input_spec = None
    # Layers whose `compute_mask` gives None whenever their inputs carry no mask (the merging
    # layers): on the arrays of an inference plan, which carry none, their call is `forward`.
    _unmasked_without_masks = False
    # What __init_subclass__ reads off each subclass's call (here: the base's forward).
    _call_takes_training, _call_takes_mask, _computes_mask, _default_training = (
        True, False, False, False)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # A layer's call is its own `call` if it (or a user's subclass) defines one, else
        # the forward/backward pair run by `Layer.call`.
        signature = inspect.signature(cls.forward if cls.call is Layer.call else cls.call)
        parameters = signature.parameters
        cls._call_takes_training = "training" in parameters
        cls._call_takes_mask = "mask" in parameters
        cls._computes_mask = cls.compute_mask is not Layer.compute_mask
        training = parameters.get("training")
        cls._default_training = (
            None if training is None or training.default is inspect.Parameter.empty
            else training.default
        )
        if "build" in cls.__dict__:
            cls.build = _mark_built(cls.__dict__["build"])

    def __init__(
        self,
        *,
        activity_regularizer=None,
        trainable=True,
        dtype=None,
        name=None,
        input_shape=None,
        input_dim=None,
        batch_input_shape=None,
        batch_size=None,
        autocast=True,
        **kwargs,
    ):
        # The attributes in a dict of their own. CPython 3.11 keeps an instance's attributes in
        # a table shared by its class until something reads `vars(self)` (the tracking of
        # sublayers and variables does, from here on); reading an attribute of an object whose
        # shared table was so exposed misses the interpreter's fast path every time (about 390
        # CPU instructions instead of 90, counted), and layers' attributes are read at every call.
        self.__dict__ = dict(vars(self))
        kwargs.pop("input_dtype", None)
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        if name is not None and (not isinstance(name, str) or "/" in name):
            # Names make weight paths (`dense/kernel`) in files.
            raise ValueError(
                "Argument `name` must be a string and cannot contain character `/`. "
                f"Received: name={name} (of type {type(name)})"
            )
        self.name = name if name is not None else backend.unique_name(
            backend.to_snake_case(type(self).__name__)
        )
        self._weights = []
        self._losses = []
        self._loss_holders = ()  # the layers that added losses during this layer's last call
        self.trainable = trainable
        self._dtype_policy = dtype_policies.get(dtype)
        # The dtype minikeras computes and stores in: a mixed policy's float32 (its weights').
        self.dtype = self._dtype_policy.variable_dtype
        self._np_dtype = np.dtype(self.dtype)
        from minikeras import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.built = False
        self.supports_masking = type(self).compute_mask is not Layer.compute_mask
        self._build_input_shape = None
        self._path_prefix = ""
        self._inbound_nodes = []  # the graph nodes of this layer's calls on symbolic tensors
        self._outbound_nodes = []
        self._batch_input_shape = _legacy_input_shape(
            input_shape, input_dim, batch_input_shape, batch_size
        )
        if input_shape is not None or input_dim is not None:
            warnings.warn(
                "Do not pass an `input_shape`/`input_dim` argument to a layer. When using "
                "Sequential models, prefer using an `Input(shape)` object as the first layer in "
                "the model instead.",
                UserWarning,
                stacklevel=_user_stacklevel(),
            )

    # ------------------------------------------------------------------------------------------
    # State

    def build(self, input_shape=None):
        """Create the layer's weights for inputs of `input_shape` (a tuple with a batch axis,
        or the structure of such tuples that the layer's inputs have)."""

    def add_weight(
        self,
        shape=None,
        initializer=None,
        dtype=None,
        trainable=True,
        autocast=True,
        regularizer=None,
        constraint=None,
        aggregation="none",
        overwrite_with_gradient=False,
        name=None,
        **kwargs,
    ):
        """Create, initialize and track a new `Variable` (Keras 2's `add_weight(name, shape,
        ...)` spelling is accepted too)."""
        from minikeras import constraints, initializers

        if isinstance(shape, str):  # Keras 2: add_weight(name, shape, dtype, initializer, ...)
            name, shape = shape, kwargs.pop("shape", initializer if not callable(initializer)
                                             and not isinstance(initializer, str) else None)
        for legacy in ("use_resource", "synchronization", "partitioner", "experimental_autocast",
                       "caching_device", "getter"):
            kwargs.pop(legacy, None)
        if kwargs:
            raise TypeError(f"add_weight() got unexpected keyword arguments: {sorted(kwargs)}")
        if self.built:
            raise ValueError(
                "You cannot add new elements of state (variables or sub-layers) to a layer "
                "that is already built. All state must be created in the `__init__()` method or "
                "in the `build()` method."
            )
        shape = standardize_shape(() if shape is None else shape)
        dtype = backend.standardize_dtype(dtype or self.dtype)
        initializer = initializers.get(
            initializer or ("glorot_uniform" if backend.is_float_dtype(dtype) else "zeros")
        )
        # order="C", not ascontiguousarray: that makes a scalar weight (Keras' `count`) 1-D.
        value = np.asarray(initializer(shape, dtype=dtype), dtype=dtype, order="C")
        name = name or f"variable_{len(self._weights)}"
        variable = Variable(
            value,
            name=name,
            path=f"{self._path_prefix}{self.name}/{name}",
            trainable=trainable,
            regularizer=_get_regularizer(regularizer),
            constraint=constraints.get(constraint),
        )
        self._weights.append(variable)
        if not self.trainable:
            variable.trainable = False  # and back to trainable when the layer is unfrozen
        return variable

    add_variable = add_weight

    # Keras 3's dtype policy, read as its three dtypes. minikeras computes and stores in one
    # dtype (a mixed policy's float32), so the three agree.
    compute_dtype = variable_dtype = input_dtype = property(lambda self: self.dtype)

    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        if self._weights:
            raise ValueError(
                f"Layer '{self.name}' has weights already: its dtype policy cannot change to "
                f"{value!r}. Set it before the layer is built."
            )
        self._dtype_policy = dtype_policies.get(value)
        self.dtype = self._dtype_policy.variable_dtype
        self._np_dtype = np.dtype(self.dtype)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        # As in Keras 3: the layer's sublayers and the weights it created trainable follow, so
        # unfreezing a model unfreezes everything in it.
        self._trainable = bool(value)
        for variable in self._own_variables():
            if variable._created_trainable:
                variable.trainable = self._trainable
        for layer in self._sublayers():
            layer.trainable = self._trainable

    def _tracked(self, kind):
        """The objects of `kind` held in this layer's attributes (directly, or in lists,
        tuples and dicts of them), in the order they were first assigned: how Keras tracks
        sublayers, variables and metrics."""
        found, seen = [], set()
        stack = list(reversed(list(vars(self).values())))
        while stack:
            value = stack.pop()
            if isinstance(value, kind):
                if id(value) not in seen and value is not self:
                    seen.add(id(value))
                    found.append(value)
            elif isinstance(value, (list, tuple)):
                stack.extend(reversed(value))
            elif isinstance(value, dict):
                stack.extend(reversed(list(value.values())))
        return found

    def _sublayers(self):
        """The layers this layer holds (Keras' `_layers`)."""
        if "_weights" not in vars(self):  # during Layer.__init__
            return []
        return self._tracked(Layer)

    def _flatten_layers(self, include_self=True, recursive=True):
        layers, seen = ([self] if include_self else []), {id(self)}
        stack = list(reversed(self._sublayers()))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            layers.append(layer)
            if recursive:
                stack.extend(reversed(layer._sublayers()))
        return layers

    # Keras' Dense, Embedding and convolutions save the weights their `build` made, not a
    # subclass' other variables (which such a subclass saves in its own `save_own_variables`).
    _saves_built_weights_only = False

    def save_own_variables(self, store):
        """Put this layer's own variables in `store` under "0", "1", ... (what a `.keras`
        file keeps for it); a layer with other state overrides this and calls it."""
        saved = self._weights if self._saves_built_weights_only else self._own_variables()
        for index, variable in enumerate(saved):
            store[str(index)] = variable.value

    def load_own_variables(self, store):
        """Assign this layer's own variables from `store` (as `save_own_variables` filled it)."""
        variables = self._own_variables()
        if len(store.keys()) != len(variables):
            if not variables and not self.built:
                raise ValueError(
                    f"Layer '{self.name}' was never built and thus it doesn't have any "
                    f"variables. However the weights file lists {len(store.keys())} variables "
                    "for this layer. Build it in `build()` (or `build_from_config()`) before "
                    "its weights are loaded."
                )
            raise ValueError(
                f"Layer '{self.name}' expected {len(variables)} variables, but received "
                f"{len(store.keys())} variables during loading. "
                f"Expected: {[v.name for v in variables]}"
            )
        saved = self._weights if self._saves_built_weights_only else variables
        for index, variable in enumerate(saved):
            variable.assign(store[str(index)])

    def _own_variables(self):
        """This layer's own variables: those it made trainable, then the others (Keras'
        `_trainable_variables + _non_trainable_variables`), attributes included."""
        if "_weights" not in vars(self):
            return []
        own = self._weights
        assigned = [v for v in self._tracked(Variable) if all(v is not w for w in own)]
        own = own + assigned
        return [v for v in own if v._created_trainable] + [
            v for v in own if not v._created_trainable
        ]

    @property
    def weights(self):
        weights, seen = [], set()
        for variable in self._own_variables():
            if id(variable) not in seen:
                seen.add(id(variable))
                weights.append(variable)
        for layer in self._sublayers():
            for variable in layer.weights:
                if id(variable) not in seen:
                    seen.add(id(variable))
                    weights.append(variable)
        return weights

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def metrics(self):
        """The metrics this layer and its sublayers hold as attributes."""
        from minikeras.metrics import Metric

        found = self._tracked(Metric)
        for layer in self._sublayers():
            found += [m for m in layer.metrics if all(m is not f for f in found)]
        return found

    @property
    def metrics_variables(self):
        return [v for metric in self.metrics for v in metric.variables]

    def get_weights(self):
        return [v.value.copy() for v in self.weights]

    def set_weights(self, weights):
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of "
                f"length {len(weights)}, but the layer was expecting {len(own)} weights."
            )
        arrays = [np.asarray(w) for w in weights]
        for variable, array in zip(own, arrays):
            if variable.shape != array.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {variable.shape} is not compatible with "
                    f"provided weight shape {array.shape}."
                )
        for variable, array in zip(own, arrays):
            np.copyto(variable.value, array, casting="unsafe")

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`."
            )
        return int(sum(v.value.size for v in self.weights))

    # ------------------------------------------------------------------------------------------
    # Losses

    def add_loss(self, loss):
        """Add a scalar loss (a term of the training loss) from inside `call`."""
        self._losses.append(loss)
        context = _calls.context
        if context.training is not _OUTSIDE:  # inside a call
            holders = context.holders
            if holders is None:
                holders = context.holders = []
            if all(h is not self for h in holders):
                holders.append(self)

    @property
    def losses(self):
        """The losses added by this layer's and its sublayers' last calls (`add_loss`, activity
        regularizers), then the penalties of the trainable weights' regularizers."""
        regularized = [v for v in self.trainable_weights if v.regularizer is not None]
        return self._losses_of(self._flatten_layers(), regularized)

    @staticmethod
    def _losses_of(layers, regularized):
        """The losses the calls of `layers` added, then the penalties of `regularized`."""
        terms = [loss for layer in layers for loss in layer._losses]
        for variable in regularized:
            terms.append(_penalty(variable.regularizer, tape.read(variable), variable.value))
        return terms

    # ------------------------------------------------------------------------------------------
    # Computation

    def forward(self, inputs, training=False):
        """Built-in layers: `(outputs, ctx)` from input arrays; `ctx` is whatever `backward`
        needs from this call. The base layer is the identity."""
        return inputs, None

    def backward(self, ctx, grad, grads):
        """Built-in layers: the gradient of the inputs from the gradient `grad` of the outputs
        of the call that made `ctx`; the weights' gradients go into `grads` (see
        `tape.Gradients`). The base layer is the identity."""
        return grad

    def call(self, inputs, training=False, **kwargs):
        """The forward/backward pair as one call: `forward` on the arrays behind `inputs`,
        recorded as one node of the tape when a tape records (user layers override `call`)."""
        if self._call_takes_training:
            kwargs["training"] = training
        kind = type(inputs)
        if kind is np.ndarray:  # the common cases, kept cheap
            flat, values = (inputs,), inputs
        elif kind is Node:
            flat, values = (inputs,), inputs.value
        else:
            flat = tree.flatten(inputs)
            values = tree.map_structure(tape.value_of, inputs)
        outputs, ctx = self.forward(values, **kwargs)
        activates = self._activation_after_forward and not self._linear
        if tape.recording():
            if activates:
                rule = self._recorded_activation(outputs)
                if rule is not None:  # the activation inside this call's node
                    activated = np.asarray(parallel.rowwise(self.activation.on_float_array,
                                                            outputs))
                    return self._record(inputs, flat, activated, ctx, (rule, outputs))
            outputs = self._record(inputs, flat, outputs, ctx)
        if activates:
            outputs = self.activation(outputs)
        return outputs

    def _recorded_activation(self, outputs):
        """The gradient rule of this layer's activation if a tape records it inside the
        layer's own node, else None (the activation records its own node after it).

        A built-in activation (one with `on_float_array`: its function on a float array,
        with its defaults, which is what a layer calls) on `forward`'s float array is
        computed and differentiated as its own node would be, the same functions on the
        same arrays: the node saves a node, a primitive and a step of the sweep. Softmax and
        sigmoid keep their nodes: a loss reads them (`activations.SEEN_BY_LOSSES`)."""
        activation = self.activation
        if type(outputs) is not np.ndarray or outputs.dtype.kind != "f":
            return None
        on_float_array = getattr(activation, "on_float_array", None)
        if on_float_array is None or activation.__name__ in activations.SEEN_BY_LOSSES:
            return None
        return activation.backward

    def _backward_variables(self):
        """The variables whose gradients `backward` adds: the layer's own trainable weights (a
        layer whose backward also covers its sublayers' weights, such as an RNN's cell's,
        returns those too)."""
        return tuple([v for v in self._weights if v.trainable]) if self._trainable else ()

    def _record(self, inputs, flat_inputs, outputs, ctx, activation=None):
        """`outputs` as the tape node(s) of this call; with `activation`, `(rule, z)`, they
        are the activation of `forward`'s output `z`, whose gradient `rule(z, outputs, grad)`
        gives before `backward` (`_recorded_activation`)."""
        kind = type(inputs)
        if kind is Node or kind is np.ndarray:  # one input (a model's stack): kept cheap
            parents = (inputs,) if kind is Node else (None,)
        else:
            parents = tuple([x if type(x) is Node else None for x in flat_inputs])
        variables = self._backward_variables()
        if not variables and all(p is None for p in parents):
            return outputs
        if activation is not None:
            rule, z = activation

            def vjp(grad, grads):
                return (self.backward(ctx, parallel.rowwise(rule, z, outputs, grad), grads),)
        elif kind in _STRUCTURES:
            def vjp(grad, grads):
                return tree.flatten(self.backward(ctx, grad, grads))
        else:
            def vjp(grad, grads):
                return (self.backward(ctx, grad, grads),)

        if type(outputs) is np.ndarray or not tree.is_nested(outputs):
            return Node(outputs, parents, vjp, self.name, variables)
        return _record_outputs(outputs, parents, vjp, self.name, variables)

    def __call__(self, *args, **kwargs):
        if (kwargs or len(args) != 1 or type(args[0]) is not np.ndarray) \
                and graph.is_symbolic(args, kwargs):
            return graph.symbolic_call(self, args, kwargs)
        if args:
            inputs, args = args[0], args[1:]
        elif "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
        else:
            raise TypeError(f"Layer '{self.name}' was called without inputs.")
        training = mask = explicit_mask = None
        if kwargs:
            training = kwargs.pop("training", None)
            mask = explicit_mask = kwargs.pop("mask", None)
            if mask is not None and not isinstance(mask, np.ndarray):
                mask = explicit_mask = _mask_arrays(mask, inputs)
        if type(inputs) is not np.ndarray or inputs.dtype != self._np_dtype or tape.recording():
            inputs = self._convert_inputs(inputs)
            if mask is None and type(inputs) is not np.ndarray:
                mask = _mask_of(inputs)
        if self.input_spec is not None:
            assert_input_compatibility(self.input_spec, inputs, self.name)
        if not self.built:
            self._build_for(tree.map_structure(np.shape, inputs))
        if type(inputs) not in _STRUCTURES:
            inputs = self._conform_input(inputs)
        context = _calls.context
        outer = context.training
        if training is None:
            training = self._default_training if outer is _OUTSIDE or outer is None else outer
        if self._call_takes_training:
            kwargs["training"] = training
        if self._call_takes_mask:
            kwargs["mask"] = mask
        elif explicit_mask is not None and not self.supports_masking:
            raise TypeError(f"Layer '{self.name}' ({type(self).__name__}) takes no `mask`.")
        if outer is _OUTSIDE:
            holders = self._open_outermost_call(context)
        context.training = training
        try:
            outputs = self.call(inputs, *args, **kwargs) if args else self.call(inputs, **kwargs)
            if self.activity_regularizer is not None:
                self._add_activity_loss(outputs)
        finally:
            context.training = outer
            if outer is _OUTSIDE:
                self._close_outermost_call(context, holders)
        if self._computes_mask or (mask is not None and self.supports_masking):
            outputs = _with_mask(outputs, self.compute_mask(inputs, mask))
        if outer is _OUTSIDE:
            if type(outputs) is np.ndarray:
                return outputs.view(Tensor)
            if tree.is_nested(outputs):
                return tree.map_structure(as_tensor, outputs)
        return outputs

    def _open_outermost_call(self, context):
        """Start a call made outside any other (in this thread's `context`): this layer's
        losses are the ones this call adds. Returns what `_close_outermost_call` restores."""
        for layer in self._loss_holders:
            layer._losses.clear()
        self._losses.clear()
        holders, context.holders = context.holders, None
        return holders

    def _close_outermost_call(self, context, holders):
        self._loss_holders = context.holders or ()
        context.holders = holders

    def _infer_unchecked(self, inputs):
        """A model's inference on inputs `__call__` would accept unchanged (`predict`'s batches
        of one array): `_call_unchecked`, without `__call__`'s conversions and checks, inside
        the call context `predict_step`'s call makes, so layers called without `training`
        read the same flag and losses are collected the same way."""
        context = _calls.context
        if context.training is not _OUTSIDE:
            return self._call_unchecked(inputs)
        holders = self._open_outermost_call(context)
        context.training = False if self._call_takes_training else self._default_training
        try:
            return self._call_unchecked(inputs)
        finally:
            context.training = _OUTSIDE
            self._close_outermost_call(context, holders)

    def _add_activity_loss(self, outputs):
        """The activity regularizer's penalty on this call's output, per sample (Keras')."""
        for output in tree.flatten(outputs):
            value = tape.value_of(output)
            scale = 1.0 / max(value.shape[0], 1) if value.ndim else 1.0
            self.add_loss(_penalty(self.activity_regularizer, output, value, scale))

    def compute_mask(self, inputs, previous_mask):
        """The mask of this call's outputs; layers that carry masks through override."""
        return previous_mask if self.supports_masking else None

    def _is_plain_function(self):
        """Whether an inference call of this layer on an array is `forward` and nothing else:
        a built layer with its own forward/backward pair, no sublayers to hand a context to,
        no losses to add and no mask to make (`_apply_plain` then does the whole call)."""
        return (self.built and type(self).call is Layer.call and self.activity_regularizer is None
                and not self._computes_mask)

    def _inference_step(self):
        """This layer's step in an inference plan (`Model._run_plan`), or None: a callable of
        one input (an array, or a list of arrays for a merging layer) of this layer's dtype that
        `_conform_input` takes unchanged and that carries no mask, returning what an inference
        call (training False, no tape recording) returns for it: `forward` and the activation,
        without `__call__`'s conversions, checks and bookkeeping. None when the call is more
        than that (see `_is_plain_function`; the merging layers' masks are None on unmasked
        inputs). The step raises `StalePlan` once the layer's activation or activity
        regularizer is not what it was when the step was made."""
        if not self._plannable():
            return None
        forward, takes_training = self.forward, self._call_takes_training
        activation, on_output = self._planned_activation()
        if activation is None:
            def step(x):
                if self.activity_regularizer is not None:
                    raise StalePlan
                return (forward(x, training=False) if takes_training else forward(x))[0]
        else:
            def step(x):
                if self.activation is not activation or self.activity_regularizer is not None:
                    raise StalePlan
                return on_output((forward(x, training=False) if takes_training else forward(x))[0])
        return step

    def _plannable(self):
        """Whether an inference call of this layer on unmasked arrays is `forward` and its
        activation (what `_inference_step` makes a step of)."""
        return (self.built and type(self).call is Layer.call and self.activity_regularizer is None
                and (not self._computes_mask or self._unmasked_without_masks))

    def _planned_activation(self):
        """`(activation, on_output)` for a step of this layer in a plan: the activation
        `Layer.call` applies after `forward` (None if none) and what to call on `forward`'s
        output for it. A layer computing in a float dtype hands its activation a float array,
        which a built-in activation's `on_float_array` takes directly."""
        if not self._activation_after_forward or self._linear:
            return None, None
        activation = self.activation
        if self._np_dtype.kind != "f":
            return activation, activation
        return activation, getattr(activation, "on_float_array", activation)

    def _apply_plain(self, x, training):
        """The call of a layer `_is_plain_function` says is plain, on an array: what
        `__call__` would do, without its bookkeeping (models' inference loops use it)."""
        if x.dtype != self._np_dtype:
            x = self._convert_leaf(x)
        return self.call(self._conform_input(x), training=training)

    def _records_plainly(self):
        """Whether a call of this layer while a tape records, on an array or a recorded value,
        is `forward` recorded as one node, and the mask it takes or makes: what
        `_is_plain_function` says but for masks (an Embedding's `mask_zero`, the pooling that
        consumes it). `_apply_masked` then does the whole call."""
        return (self.built and type(self).call is Layer.call and self.activity_regularizer is None
                and type(self).__call__ is Layer.__call__)

    def _apply_masked(self, x, training):
        """The call of a layer `_records_plainly` says is plain, on an array or a Node, in a
        model's training pass: `_apply_plain` with the mask `__call__` would find on the
        converted input handed to `forward` (if it takes one), and the output's mask made as
        `__call__` makes it."""
        if x.dtype != self._np_dtype:
            x = self._convert_leaf(x)
        x = self._conform_input(x)
        mask = x._keras_mask if type(x) is Node else None
        if self._call_takes_mask:
            outputs = self.call(x, training=training, mask=mask)
        else:
            outputs = self.call(x, training=training)
        if self._computes_mask or (mask is not None and self.supports_masking):
            outputs = _with_mask(outputs, self.compute_mask(x, mask))
        return outputs

    def _infer_plain(self, x, training):
        """`_apply_plain` while no tape records: the layer's `forward` and activation alone,
        which is what `call` does then (without its generality: most of a one-row predict)."""
        if x.dtype != self._np_dtype:
            x = self._convert_leaf(x)
        x = self._conform_input(x)
        x, _ = self.forward(x, training=training) if self._call_takes_training \
            else self.forward(x)
        if self._activation_after_forward and not self._linear:
            x = self.activation(x)
        return x

    def _invoke(self, inputs, training):
        """`call` on inputs already converted and checked (predict's later batches); masks
        flow as in `__call__`."""
        kwargs = {"training": training} if self._call_takes_training else {}
        mask = _mask_of(inputs) if self._call_takes_mask or self.supports_masking else None
        if self._call_takes_mask:
            kwargs["mask"] = mask
        outputs = self.call(inputs, **kwargs)
        if self.supports_masking:
            outputs = _with_mask(outputs, self.compute_mask(inputs, mask))
        return outputs

    def _convert_inputs(self, inputs):
        """The call's inputs as the layer computes with them: arrays (float ones in the layer's
        dtype), Nodes, or a structure of them."""
        if type(inputs) is np.ndarray:
            if tape.recording():
                inputs = tape.lift(inputs)  # a watched array is its leaf
            if type(inputs) is np.ndarray and inputs.dtype == self._np_dtype:
                return inputs
        if type(inputs) is Node:
            return self._convert_leaf(inputs)
        if tree.is_nested(inputs) and _holds_tensors(inputs):
            if self._single_input and len(tree.flatten(inputs)) > 1:
                raise ValueError(
                    f"Layer '{self.name}' expects 1 input(s), but it received "
                    f"{len(tree.flatten(inputs))} input tensors. Inputs received: {inputs}"
                )
            return tree.map_structure(self._convert_leaf, inputs)
        return self._convert_leaf(inputs)

    def _convert_leaf(self, x):
        if type(x) is np.ndarray and tape.recording():
            x = tape.lift(x)
        if type(x) is Node:
            if x.dtype != self._np_dtype and x.dtype.kind == "f" and self._np_dtype.kind == "f":
                from minikeras import ops

                return ops.cast(x, self._np_dtype)
            return x
        if isinstance(x, Variable):
            x = tape.read(x)
            if type(x) is Node:
                return self._convert_leaf(x)
        mask = getattr(x, "_keras_mask", None)
        array = as_array(np.asarray(x))
        if array.dtype.kind in "USO":
            if self._takes_strings:
                return array
            raise self._not_numbers(array.dtype)
        # Floats in the layer's dtype; integers and booleans too, unless the layer keeps them
        # (Embedding, the lookups, the ops: Keras 3 casts no non-float input).
        if array.dtype.kind == "f" or (array.dtype.kind in "iub" and not self._keeps_integer_inputs):
            if array.dtype != self._np_dtype:
                array = array.astype(self._np_dtype)
        return array if mask is None else _with_mask(array, mask)

    def _not_numbers(self, dtype):
        what = "Python objects" if dtype.kind == "O" else "strings"
        return ValueError(
            f"Invalid dtype: {dtype.name}. Layer '{self.name}' ({type(self).__name__}) computes "
            f"with numbers and received {what}: encode them as numbers first (indices of tokens "
            "or categories, or one-hot vectors)."
        )

    def _build_for(self, input_shape):
        self.build(_as_shape_structure(input_shape))
        self.built = True

    def _conform_input(self, x):
        """`x` as `call` takes it, or Keras' incompatible-input error: layers with an input spec
        (or, for `Sequential`, an input rank to adjust to) override."""
        return x

    def _incompatible(self, expected, x):
        return ValueError(
            f"Input 0 with name 'None' of layer '{self.name}' is incompatible with the layer: "
            f"{expected}"
        )

    def compute_output_shape(self, input_shape):
        """The output shape; a user layer (its own `call`) is run once on zeros to find it,
        where Keras traces it symbolically."""
        if type(self).call is Layer.call or not self.built:
            return tuple(input_shape)
        probe = np.zeros([1 if d is None else d for d in input_shape], self._np_dtype)
        out = np.shape(self._invoke(probe, False))
        return (input_shape[0], *out[1:]) if input_shape and out else tuple(out)

    # ------------------------------------------------------------------------------------------
    # Graph: this layer's calls on symbolic tensors (the functional API)

    @property
    def input(self):
        """The symbolic input(s) of this layer's first call on symbolic tensors."""
        return self._node_attribute(0, "input_tensors", "input")

    @property
    def output(self):
        """The symbolic output(s) of this layer's first call on symbolic tensors."""
        return self._node_attribute(0, "outputs", "output")

    @property
    def input_shape(self):
        return tree.map_structure(lambda x: x.shape, self.input)

    @property
    def output_shape(self):
        return tree.map_structure(lambda x: x.shape, self.output)

    def get_input_at(self, node_index):
        return self._node_attribute(node_index, "input_tensors", "input")

    def get_output_at(self, node_index):
        return self._node_attribute(node_index, "outputs", "output")

    def _node_attribute(self, node_index, attribute, what):
        if not self._inbound_nodes:
            raise AttributeError(
                f"The layer {self.name} has never been called and thus has no defined {what}."
            )
        if len(self._inbound_nodes) <= node_index:
            raise ValueError(
                f"Asked to get {what} at node {node_index}, but the operation has only "
                f"{len(self._inbound_nodes)} inbound nodes."
            )
        values = getattr(self._inbound_nodes[node_index], attribute)
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------------------------------------
    # Config

    def get_config(self):
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": dtype_policies.serialize(self._dtype_policy),
        }
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = registry.serialize(self.activity_regularizer)
        return config

    def get_build_config(self):
        if self._build_input_shape is None:
            return None
        return {"input_shape": _shape_to_config(self._build_input_shape)}

    def build_from_config(self, config):
        if config and config.get("input_shape") is not None and not self.built:
            self.build(_as_shape_structure(config["input_shape"]))
            self.built = True

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __reduce__(self):
        """Pickled as its config and weights: no training scratch in the pickle."""
        from minikeras.saving import pickling

        return pickling.reduce_layer(self)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# ----------------------------------------------------------------------------------------------
# Helpers of the call


def _holds_tensors(structure):
    """Whether a list/tuple/dict input is a structure of tensors (Keras' reading) rather than
    nested Python numbers, which are one array's data."""
    if isinstance(structure, dict):
        return True
    return any(
        isinstance(x, (np.ndarray, Node, Variable)) or hasattr(x, "__array__")
        for x in tree.flatten(structure)
    ) and not all(isinstance(x, (int, float, bool, np.number)) for x in tree.flatten(structure))


def _mask_arrays(mask, inputs):
    """A `mask=` given as nested Python lists, as boolean arrays: one for a single input, one
    per input for several (each None, an array or lists)."""
    def as_array(one):
        return one if one is None or isinstance(one, (np.ndarray, Node)) else np.asarray(one, bool)

    if isinstance(mask, (list, tuple)) and tree.is_nested(inputs) and len(mask) == len(inputs):
        return type(mask)(as_array(one) for one in mask)
    return as_array(mask)


def _mask_of(inputs):
    masks = [getattr(x, "_keras_mask", None) for x in tree.flatten(inputs)]
    if all(m is None for m in masks):
        return None
    return masks[0] if not tree.is_nested(inputs) else tree.pack_sequence_as(inputs, masks)


def _with_mask(outputs, mask):
    """`outputs` carrying `mask` (as Keras tensors carry `_keras_mask`)."""
    if mask is None:
        return outputs
    if tree.is_nested(outputs):
        masks = tree.flatten(mask) if tree.is_nested(mask) else [mask] * len(tree.flatten(outputs))
        return tree.pack_sequence_as(
            outputs, [_with_mask(o, m) for o, m in zip(tree.flatten(outputs), masks)]
        )
    if type(outputs) is np.ndarray:
        outputs = outputs.view(Tensor)
    outputs._keras_mask = mask
    return outputs


def _record_outputs(outputs, parents, vjp, op, variables):
    """A call with several outputs: one node for the call, and one per output that hands its
    gradient to the call's (the call's backward gets zeros for outputs nothing used)."""
    flat = tree.flatten(outputs)

    def call_vjp(grad_list, grads):
        filled = [np.zeros_like(o) if g is None else g for g, o in zip(grad_list, flat)]
        return vjp(tree.pack_sequence_as(outputs, filled), grads)

    call = tape.record(tuple(flat), parents, call_vjp, op, variables)
    nodes = []
    for index, value in enumerate(flat):
        def pick(grad, grads, index=index):
            picked = [None] * len(flat)
            picked[index] = grad
            return (_GradientList(picked),)

        nodes.append(tape.record(value, (call,), pick, f"{op}[{index}]"))
    return tree.pack_sequence_as(outputs, nodes)


class _GradientList(list):
    """The gradients of a multi-output call's outputs, summed entry by entry by the sweep."""

    shape = dtype = None

    def __add__(self, other):
        return _GradientList(
            a if b is None else b if a is None else a + b for a, b in zip(self, other)
        )

    def astype(self, dtype):
        return self


def _penalty(regularizer, x, value, scale=1.0):
    """`regularizer(value) * scale` as a loss term: recorded on the tape with the
    regularizer's own gradient when `x` is a Node."""
    term = value.dtype.type(regularizer(value) * scale)
    if type(x) is not Node:
        return term
    return tape.record(
        np.asarray(term), (x,),
        lambda g, grads: (regularizer_gradient(regularizer, value) * (g * scale),), "regularizer",
    )


def _as_shape_structure(shape):
    """A shape (tuple) or a structure of shapes, from arrays' shapes or a config's lists."""
    if isinstance(shape, dict):
        return {k: _as_shape_structure(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and any(isinstance(s, (list, tuple, dict)) for s in shape):
        return [_as_shape_structure(s) for s in shape]
    return standardize_shape(shape)


def _shape_to_config(shape):
    if isinstance(shape, dict):
        return {k: _shape_to_config(v) for k, v in shape.items()}
    if isinstance(shape, list):
        return [_shape_to_config(s) for s in shape]
    return list(shape)


def _mark_built(build):
    # Only the outermost build marks the layer built (as Keras wraps only the instance's own
    # build): a subclass's build may call `super().build()`, then add weights of its own.
    def wrapper(self, input_shape=None, *args, **kwargs):
        state = self.__dict__
        depth = state.get("_build_depth", 0)
        state["_build_depth"] = depth + 1
        try:
            result = build(self, input_shape, *args, **kwargs)
        finally:
            if depth:
                state["_build_depth"] = depth
            else:
                del state["_build_depth"]
        if depth == 0:
            if input_shape is not None and not isinstance(input_shape, dict):
                self._build_input_shape = _as_shape_structure(input_shape)
            self.built = True
        return result

    wrapper.__wrapped__ = build
    wrapper.__doc__ = build.__doc__
    return wrapper


def _get_regularizer(identifier):
    from minikeras import regularizers

    return regularizers.get(identifier)


def _user_stacklevel():
    """The `stacklevel` at which a warning points at the first caller outside minikeras (a
    subclass's `__init__`, or a decorator around one, adds frames)."""
    level, frame = 2, sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("minikeras."):
        frame, level = frame.f_back, level + 1
    return level


def _legacy_input_shape(input_shape, input_dim, batch_input_shape, batch_size):
    """The batch input shape implied by Keras' legacy first-layer arguments, or None."""
    if batch_input_shape is not None:
        return standardize_shape(batch_input_shape)
    if input_shape is not None:
        return (batch_size, *standardize_shape(input_shape))
    if input_dim is not None:
        return (batch_size, int(input_dim))
    return None


def activation_backward(activation, x, y, grad):
    """Gradient through `y = activation(x)`: the function's own rule, else the autodiff tape."""
    rule = getattr(activation, "backward", None)
    if rule is not None:
        return rule(x, y, grad)
    from minikeras import autodiff

    _, pullback = autodiff.vjp(activation, x)
    return pullback(grad)[0].astype(x.dtype, copy=False)


def regularizer_gradient(regularizer, x):
    """Gradient of `regularizer(x)`: the regularizer's own rule, else the autodiff tape."""
    rule = getattr(regularizer, "gradient", None)
    if rule is not None:
        return rule(x)
    from minikeras import regularizers

    return regularizers._tape_gradient(regularizer, x)
