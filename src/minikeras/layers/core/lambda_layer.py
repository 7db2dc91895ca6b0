"""`Lambda`: a layer around a function the user's own code passes in.

In code, a Lambda runs its function like any user layer (written with `minikeras.ops`, it is
trained through the tape). In a file, its function is only a name: loading resolves it from
`custom_objects` or the registry, and refuses a function stored as code (Keras' `__lambda__`
bytecode, Keras 2's marshalled functions), since minikeras never runs code a file holds.
"""

import inspect
import types

from minikeras import tree
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Lambda(Layer):
    """Wrap `function(inputs, **arguments)` as a layer.

    Args:
        function: the function; it may take `mask` and `training` keywords.
        output_shape: the output shape without the batch axis (a tuple), or a function of the
            input shape; by default found by running the function once.
        mask: a fixed output mask, or a function `(inputs, mask) -> mask`.
        arguments: keyword arguments passed to `function`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(
                f"Argument `function` of Lambda layer '{self.name}' must be callable. "
                f"Received: function={function}"
            )
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self._output_shape = output_shape
        parameters = inspect.signature(function).parameters
        self._fn_takes_mask = "mask" in parameters
        self._fn_takes_training = "training" in parameters
        self.supports_masking = mask is not None or self._fn_takes_mask
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask if self.mask is not None else mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        batch = input_shape[0] if not tree.is_nested(input_shape[0]) else input_shape[0][0]
        return (batch, *self._output_shape)

    def get_config(self):
        config = {"function": _function_config(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (
                _function_config(self._output_shape) if callable(self._output_shape)
                else list(self._output_shape)
            )
        if self.mask is not None:
            config["mask"] = _function_config(self.mask) if callable(self.mask) else self.mask
        config["arguments"] = self.arguments
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["function"] = _resolve(config["function"], "function", custom_objects)
        for key in ("output_shape", "mask"):
            if isinstance(config.get(key), dict):
                config[key] = _resolve(config[key], key, custom_objects)
        for legacy in ("function_type", "module", "output_shape_type", "output_shape_module"):
            config.pop(legacy, None)
        return cls(**config)


def _function_config(fn):
    """A function as Keras 3 writes it in a Lambda's config: a named function by its
    (registered) name; a Python lambda as Keras' `__lambda__` bytecode, which Keras can load
    (with `safe_mode=False`) and minikeras never will."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        import base64
        import marshal

        code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": fn.__defaults__, "closure": None}}
    return {"module": getattr(fn, "__module__", "builtins"), "class_name": "function",
            "config": registry.get_registered_name(fn), "registered_name": "function"}


def _resolve(spec, what, custom_objects):
    """A function named in a config, from `custom_objects` or the registry only."""
    name = spec.get("config") if isinstance(spec, dict) else spec
    if isinstance(spec, dict) and spec.get("class_name") == "__lambda__" or not isinstance(
            name, str):
        raise ValueError(
            f"Refusing to load a Lambda layer whose `{what}` is stored as code: minikeras never "
            "runs code from a file. Pass the function by name in `custom_objects`."
        )
    for kind in registry._KINDS:
        found = registry.lookup(kind, name, custom_objects)
        if found is not None and callable(found):
            return found
    raise ValueError(
        f"Could not locate the Lambda layer's {what} '{name}'. Pass it in `custom_objects` "
        "or register it with `keras.saving.register_keras_serializable()`."
    )
