"""What a layer takes as input (Keras' `InputSpec`), and the checks of a call's inputs against
it, with Keras' incompatible-input messages.

Built-in layers check their inputs in `_conform_input`; `InputSpec` is for user layers, which
set `self.input_spec` (one spec, or a structure of them, one per input) as in Keras.
"""

from minikeras import backend, tree
from minikeras.core.variables import standardize_shape


class InputSpec:
    """The rank, dtype and shape a layer's input must have.

    Args:
        dtype: the input's dtype.
        shape: the input's whole shape, batch included (`None` for any size); sets `ndim`.
        ndim, max_ndim, min_ndim: the input's rank, exactly, at most, at least.
        axes: `{axis: size}` for the axes whose size is fixed.
        allow_last_axis_squeeze: also accept a trailing axis of 1 more or less than `shape`.
        name: the key of this input when inputs come as a dict.
        optional: whether the input may be None.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = None if dtype is None else backend.standardize_dtype(dtype)
        if shape is not None:
            self.shape = standardize_shape(shape)
            self.ndim = len(self.shape)
        else:
            self.shape, self.ndim = None, ndim
        self.max_ndim, self.min_ndim = max_ndim, min_ndim
        self.name, self.optional = name, optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            self.axes = {int(axis): size for axis, size in (axes or {}).items()}
        except (AttributeError, TypeError, ValueError):
            raise TypeError(
                f"Argument `axes` must be a dict with integer keys. Received: axes={axes}"
            ) from None
        rank = self.ndim or self.max_ndim
        if self.axes and rank is not None and max(self.axes) > rank - 1:
            raise ValueError(
                f"Axis {max(self.axes)} is greater than the maximum allowed value: {rank - 1}")

    def __repr__(self):
        fields = (("dtype", self.dtype), ("shape", self.shape), ("ndim", self.ndim),
                  ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim), ("axes", self.axes))
        return f"InputSpec({', '.join(f'{key}={value}' for key, value in fields if value)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes,
                "optional": self.optional}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raise Keras' ValueError if `inputs` do not meet `input_spec` (a spec, a structure of
    specs, or None)."""
    if not input_spec:
        return
    specs = tree.flatten(input_spec)
    names = [spec.name if spec is not None else None for spec in specs]
    if isinstance(inputs, dict) and all(names):
        missing = [name for name in names if name not in inputs]
        if missing:
            raise ValueError(
                f'Missing data for input "{missing[0]}". You passed a data dictionary with '
                f"keys {list(inputs)}. Expected the following keys: {names}")
        inputs = [inputs[name] for name in names]
    inputs = tree.flatten(inputs)
    if len(inputs) != len(specs):
        if all(names):
            keys = ", ".join(f"'{name}': ..." for name in names)
            raise ValueError(
                f'Layer "{layer_name}" expects {len(specs)} named input(s) with keys {names}, '
                f"but it received {len(inputs)} input tensors. Pass inputs as a dict, e.g. "
                f"`layer({{{keys}}})`.")
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
            f"{len(inputs)} input tensors. Inputs received: {inputs}")
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is not None and not (x is None and spec.optional):
            _check_one(spec, x, f"Input {index} with name '{spec.name}' of layer "
                                f"'{layer_name}' is incompatible with the layer: ", layer_name)


def _check_one(spec, x, prefix, layer_name):
    if not hasattr(x, "shape"):
        raise ValueError(f"Inputs to a layer should be tensors. Got '{x}' (of type {type(x)}) "
                         f"as input for layer '{layer_name}'.")
    shape = tuple(None if d is None else int(d) for d in x.shape)
    ndim = len(shape)
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        raise ValueError(f"{prefix}expected ndim={spec.ndim}, found ndim={ndim}. "
                         f"Full shape received: {shape}")
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(f"{prefix}expected max_ndim={spec.max_ndim}, found ndim={ndim}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(f"{prefix}expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                         f"Full shape received: {shape}")
    if spec.dtype is not None:
        dtype = backend.standardize_dtype(x.dtype)
        if dtype != spec.dtype:
            raise ValueError(f"{prefix}expected dtype={spec.dtype}, found dtype={dtype}")
    for axis, size in spec.axes.items():
        if size is not None and shape[axis] not in (size, None):
            raise ValueError(f"{prefix}expected axis {axis} of input shape to have value "
                             f"{size}, but received input with shape {shape}")
    if spec.shape is not None:
        spec_shape = spec.shape
        if spec.allow_last_axis_squeeze:
            shape = shape[:-1] if shape and shape[-1] == 1 else shape
            spec_shape = spec_shape[:-1] if spec_shape and spec_shape[-1] == 1 else spec_shape
        for expected, dim in zip(spec_shape, shape):
            if expected is not None and dim is not None and expected != dim:
                raise ValueError(f"{prefix}expected shape={spec.shape}, found shape={shape}")


def check_ndim(layer, x, ndim):
    """`x`, if it has rank `ndim`; else Keras' error naming `layer`."""
    if x.ndim != ndim:
        raise layer._incompatible(
            f"expected ndim={ndim}, found ndim={x.ndim}. Full shape received: {tuple(x.shape)}",
            x)
    return x
