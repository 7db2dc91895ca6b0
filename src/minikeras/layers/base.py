"""`Layer`, the base of every layer, and `Variable`, the weight it owns.

A layer's forward pass is `call(inputs, training)`; when `training` is true the layer keeps what
its backward pass needs, and `backward(grad)` then writes the gradient of each of its own
trainable weights into `variable.grad` and returns the gradient of its input. Layers whose
`call` is written with `minikeras.ops` (user layers) get `backward` from the autodiff tape.
"""

import inspect
import operator
import sys
import warnings

import numpy as np

from minikeras import backend
from minikeras.saving import registry


class Variable:
    """A named, mutable array (Keras' `Variable`), most often a layer's weight.

    `value` is the live numpy array the layer computes with; optimizers update it in place.
    `grad` holds the gradient of the last backward pass.

    Args:
        initializer: the starting value (an array, a list or a number: numpy arrays keep their
            dtype, Python floats become `floatx()`, ints int32), or an initializer (a name, an
            `Initializer`, a function of `(shape, dtype)`) to draw it with, given `shape`.
        shape, dtype: for an initializer; `dtype` also converts a given value.
        trainable: whether training updates it.
        autocast, aggregation, synchronization: Keras' distribution settings, ignored.
        name: by default `variable`, `variable_1`, ...
        path, regularizer, constraint: set by the layer that owns the weight.
    """

    __array_priority__ = 100

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None, *, path=None,
                 regularizer=None, constraint=None):
        self.value = _initial_value(initializer, shape, dtype)
        self.name = name if name is not None else backend.unique_name("variable")
        self.path = path or self.name
        self.trainable = trainable
        self._created_trainable = trainable  # a layer's trainable flag moves only these
        self.regularizer = regularizer
        self.constraint = constraint
        self.grad = None

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype.name

    @property
    def ndim(self):
        return self.value.ndim

    def numpy(self):
        return self.value.copy()

    def assign(self, value):
        value = np.asarray(value)
        if value.shape != self.value.shape:
            raise ValueError(
                "The shape of the target variable and the shape of the target value in "
                "`variable.assign(value)` must match. "
                f"variable.shape={self.value.shape}, Received: value.shape={value.shape}. "
                f"Target variable: {self!r}"
            )
        np.copyto(self.value, value, casting="unsafe")
        return self

    def assign_add(self, value):
        self.value += np.asarray(value, dtype=self.value.dtype)
        return self

    def assign_sub(self, value):
        self.value -= np.asarray(value, dtype=self.value.dtype)
        return self

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __len__(self):
        return len(self.value)

    def __getitem__(self, index):
        return self._operand()[index]

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.value.shape}, dtype={self.dtype}, "
                f"value={self.value}>")

    def _operand(self):
        """What arithmetic reads: the current value, as Keras variables do; while autodiff
        re-runs a user layer's `call`, the variable's node on the tape."""
        from minikeras import autodiff

        return autodiff.lift(self)

    def __neg__(self):
        return -self._operand()

    def __abs__(self):
        return abs(self._operand())


def _initial_value(initializer, shape, dtype):
    """A new Variable's array; an array already of the right dtype is kept, not copied."""
    if isinstance(initializer, str) or callable(initializer):
        from minikeras import initializers

        if shape is None:
            raise ValueError(
                "When creating a Variable from an initializer, the `shape` argument should be "
                f"specified. Received: initializer={initializer} and shape={shape}"
            )
        dtype = backend.standardize_dtype(dtype or backend.floatx())
        return np.asarray(initializers.get(initializer)(standardize_shape(shape), dtype=dtype))
    if dtype is None and not isinstance(initializer, np.ndarray):
        probe = np.asarray(initializer)
        dtype = {"f": backend.floatx(), "i": "int32"}.get(probe.dtype.kind, probe.dtype)
    dtype = None if dtype is None else backend.standardize_dtype(dtype)
    value = np.asarray(initializer, dtype=dtype)
    if shape is not None and value.shape != standardize_shape(shape):
        raise ValueError(
            f"Initial value shape {value.shape} is not compatible with the provided `shape` "
            f"{standardize_shape(shape)}."
        )
    return value


def _binary(op):
    return lambda self, other: op(self._operand(), other)


def _reflected(op):
    return lambda self, other: op(other, self._operand())


for _name in ["add", "sub", "mul", "truediv", "pow", "matmul", "floordiv", "mod"]:
    setattr(Variable, f"__{_name}__", _binary(getattr(operator, _name)))
    setattr(Variable, f"__r{_name}__", _reflected(getattr(operator, _name)))
for _name in ["lt", "le", "gt", "ge"]:
    setattr(Variable, f"__{_name}__", _binary(getattr(operator, _name)))


def standardize_shape(shape, what="shape"):
    """A shape as a tuple of ints or None; Keras 3 refuses a bare int."""
    if shape is None:
        return None
    if isinstance(shape, (int, np.integer)):
        raise ValueError(f"Cannot convert '{shape}' to a shape.")
    try:
        return tuple(None if d is None else int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"Cannot convert '{shape}' to a shape.") from None


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

    _call_takes_training = True
    _uses_tape = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._call_takes_training = "training" in inspect.signature(cls.call).parameters
        # A layer without its own backward pass is differentiated by the autodiff tape,
        # which replays `call` on the input the layer saw last.
        cls._uses_tape = cls.backward is Layer.backward
        _refuse_stale_backward(cls)
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
        self.trainable = trainable
        self.dtype = backend.standardize_dtype(dtype)
        self._np_dtype = np.dtype(self.dtype)
        from minikeras import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.built = False
        self._activity_losses = []
        self._build_input_shape = None
        self._path_prefix = ""
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
        """Create the layer's weights for inputs of `input_shape` (a tuple with a batch axis)."""

    def add_weight(
        self,
        shape=(),
        initializer=None,
        dtype=None,
        trainable=True,
        regularizer=None,
        constraint=None,
        name=None,
    ):
        """Create, initialize and track a new `Variable`."""
        from minikeras import constraints, initializers

        if self.built:
            raise ValueError(
                "You cannot add new elements of state (variables or sub-layers) to a layer "
                "that is already built. All state must be created in the `__init__()` method or "
                "in the `build()` method."
            )
        shape = standardize_shape(shape)
        dtype = backend.standardize_dtype(dtype or self.dtype)
        initializer = initializers.get(initializer or ("glorot_uniform" if backend.is_float_dtype(dtype) else "zeros"))
        value = np.ascontiguousarray(np.asarray(initializer(shape, dtype=dtype), dtype=dtype))
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
        return variable

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        # As in Keras 3: the layer's sublayers and the weights it created trainable follow, so
        # unfreezing a model unfreezes everything in it.
        self._trainable = bool(value)
        for variable in self._weights:
            if variable._created_trainable:
                variable.trainable = self._trainable
        for layer in self._sublayers():
            layer.trainable = self._trainable

    def _sublayers(self):
        return ()

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self._all_weights() if v.trainable]

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return list(self._all_weights())
        return [v for v in self._all_weights() if not v.trainable]

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def _all_weights(self):
        return self._weights

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

    @property
    def losses(self):
        """Regularization terms: the activity term of the last call, then the weight terms."""
        terms = list(self._activity_losses)
        for variable in self._all_weights():
            if variable.regularizer is not None:
                terms.append(variable.value.dtype.type(variable.regularizer(variable.value)))
        return terms

    # ------------------------------------------------------------------------------------------
    # Computation

    def call(self, inputs, training=False):
        return inputs

    def __call__(self, inputs, training=None, **kwargs):
        if kwargs:
            self._refuse_call_arguments(kwargs)
        x = inputs
        if type(x) is not np.ndarray or x.dtype != self._np_dtype:
            x = self._convert_input(x)
        if not self.built:
            self._build_for(x.shape)
        x = self._conform_input(x)
        training = bool(training)
        if training and self._uses_tape:
            self._tape_input = x
        out = self._invoke(x, training)
        if self.activity_regularizer is not None:
            self._activity_losses = [
                out.dtype.type(self.activity_regularizer(out) / max(out.shape[0], 1))
            ]
            self._activity_output = out
        return out

    def _refuse_call_arguments(self, kwargs):
        """Keras' `mask=` and the like are refused rather than silently dropped (None is fine)."""
        given = sorted(key for key, value in kwargs.items() if value is not None)
        if given:
            raise NotImplementedError(
                f"Layer '{self.name}' was called with {', '.join(given)}: minikeras layers take "
                "the inputs and `training` only."
            )

    def _invoke(self, inputs, training):
        """`call`, handing it `training` where its signature takes it (user layers may not)."""
        if self._call_takes_training:
            return self.call(inputs, training=training)
        return self.call(inputs)

    def _add_activity_gradient(self, grad):
        """`grad` plus the gradient of the activity term of the last call."""
        out = self._activity_output
        return grad + regularizer_gradient(self.activity_regularizer, out) / max(out.shape[0], 1)

    def _convert_input(self, x):
        from minikeras.layers.input_layer import KerasTensor

        if isinstance(x, KerasTensor):
            raise NotImplementedError(
                f"Layer '{self.name}' was called on the symbolic `Input` {x.name!r}: minikeras "
                "builds models with `Sequential`, not Keras' functional API. Put the `Input` "
                "first in a `Sequential` instead."
            )
        array = np.asarray(x.value if isinstance(x, Variable) else x)
        if array.dtype != self._np_dtype and (array.dtype.kind in "fiub"):
            array = array.astype(self._np_dtype)
        return array

    def _build_for(self, input_shape):
        self.build(tuple(input_shape))
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

    def backward(self, grad, input_grad=True):
        """Gradient of the input from the gradient of the output of the last training call.

        Also writes the gradient of each trainable weight into `variable.grad`. When
        `input_grad` is false the caller does not need the input's gradient (first layer).
        """
        from minikeras import autodiff

        return autodiff.layer_backward(self, grad)

    def compute_output_shape(self, input_shape):
        """The output shape; a user layer (written with `ops`) is run once on zeros to find it,
        where Keras traces it symbolically."""
        if not self._uses_tape or not self.built:
            return tuple(input_shape)
        probe = np.zeros([1 if d is None else d for d in input_shape], self._np_dtype)
        out = self._invoke(probe, False)
        shape = np.shape(out)
        return (input_shape[0], *shape[1:]) if input_shape and shape else tuple(shape)

    # ------------------------------------------------------------------------------------------
    # Config

    def get_config(self):
        config = {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": dtype_policy_config(self.dtype),
        }
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = registry.serialize(self.activity_regularizer)
        return config

    def get_build_config(self):
        if self._build_input_shape is None:
            return None
        return {"input_shape": list(self._build_input_shape)}

    def build_from_config(self, config):
        if config and config.get("input_shape") is not None and not self.built:
            self._build_for(tuple(config["input_shape"]))

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __reduce__(self):
        """Pickled as its config and weights: no training scratch in the pickle."""
        from minikeras.saving import pickling

        return pickling.reduce_layer(self)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _refuse_stale_backward(cls):
    """A user's subclass of a built-in layer that redefines `call` but inherits its
    hand-written backward pass would get gradients for a function it no longer computes: its
    backward passes raise instead. (minikeras' own layers share backward passes on purpose,
    and the finite-difference tests check each of them.)"""
    if cls.__module__.split(".")[0] == "minikeras":
        return
    call_owner = next(c for c in cls.__mro__ if "call" in c.__dict__)
    backward_owner = next(c for c in cls.__mro__ if "backward" in c.__dict__)
    if backward_owner is Layer or call_owner is backward_owner:
        return
    if not issubclass(call_owner, backward_owner):  # backward is the newer of the two
        return

    def stale_backward(self, *args, **kwargs):
        raise NotImplementedError(
            f"Layer '{self.name}' ({cls.__name__}) redefines `call` of "
            f"{backward_owner.__name__}, whose gradient minikeras computes by hand for "
            f"{backward_owner.__name__}'s own `call`. To train it, give {cls.__name__} a "
            "`backward` too, or subclass `Layer` and write `call` with `minikeras.ops` (its "
            "gradient then comes from the autodiff tape)."
        )

    cls.backward = stale_backward
    if hasattr(cls, "backward_pre_activation"):
        cls.backward_pre_activation = stale_backward


def _mark_built(build):
    def wrapper(self, input_shape=None, *args, **kwargs):
        result = build(self, input_shape, *args, **kwargs)
        if input_shape is not None and not isinstance(input_shape, dict):
            self._build_input_shape = standardize_shape(input_shape)
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


def dtype_policy_config(dtype):
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": dtype},
        "registered_name": None,
    }


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
