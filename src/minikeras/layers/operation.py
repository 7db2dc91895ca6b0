"""Ops on symbolic tensors as graph nodes: `x + y`, `x[:, 0]`, `keras.ops.tanh(x)` inside a
functional model, recorded as Keras 3 records them (its op classes `Add`, `GetItem`, `Tanh`, ...
in configs, with their modules `keras.src.ops.numpy`, `.nn`, `.core`).

Each op class is a weightless layer computing one `minikeras.ops` function; the arguments Keras
keeps in the op's config (`axis`, `keepdims`, `newshape`, ...) are its constructor's, the others
(tensors and constants) are the node's call arguments.
"""

import inspect

from minikeras.core import tape
from minikeras.layers.base import Layer
from minikeras.saving import registry

_NUMPY, _NN, _CORE, _MATH = ("keras.src.ops.numpy", "keras.src.ops.nn", "keras.src.ops.core",
                              "keras.src.ops.math")
_IMAGE = "keras.src.ops.image"
_PADDING = ("top_padding", "left_padding", "bottom_padding", "right_padding", "target_height",
            "target_width", "data_format")


def _get_item(x, key):
    # A config stores a key of several indices as a list: it means a tuple of them.
    return x[tuple(key) if isinstance(key, list) else key]


# Keras' op class: (its module, the function computing it, the arguments its config keeps).
_OPERATIONS = {
    "Add": (_NUMPY, "add", ()),
    "Subtract": (_NUMPY, "subtract", ()),
    "Multiply": (_NUMPY, "multiply", ()),
    "Divide": (_NUMPY, "divide", ()),
    "TrueDivide": (_NUMPY, "true_divide", ()),
    "FloorDivide": (_NUMPY, "floor_divide", ()),
    "Mod": (_NUMPY, "mod", ()),
    "Power": (_NUMPY, "power", ()),
    "Matmul": (_NUMPY, "matmul", ()),
    "Maximum": (_NUMPY, "maximum", ()),
    "Minimum": (_NUMPY, "minimum", ()),
    "Equal": (_NUMPY, "equal", ()),
    "NotEqual": (_NUMPY, "not_equal", ()),
    "Less": (_NUMPY, "less", ()),
    "LessEqual": (_NUMPY, "less_equal", ()),
    "Greater": (_NUMPY, "greater", ()),
    "GreaterEqual": (_NUMPY, "greater_equal", ()),
    "Equal": (_NUMPY, "equal", ()),
    "NotEqual": (_NUMPY, "not_equal", ()),
    "LogicalAnd": (_NUMPY, "logical_and", ()),
    "LogicalOr": (_NUMPY, "logical_or", ()),
    "LogicalNot": (_NUMPY, "logical_not", ()),
    "Any": (_NUMPY, "any", ("axis", "keepdims")),
    "All": (_NUMPY, "all", ("axis", "keepdims")),
    "OnesLike": (_NUMPY, "ones_like", ("dtype",)),
    "Negative": (_NUMPY, "negative", ()),
    "Absolute": (_NUMPY, "absolute", ()),
    "Square": (_NUMPY, "square", ()),
    "Sqrt": (_NUMPY, "sqrt", ()),
    "Exp": (_NUMPY, "exp", ()),
    "Log": (_NUMPY, "log", ()),
    "Tanh": (_NUMPY, "tanh", ()),
    "Sin": (_NUMPY, "sin", ()),
    "Cos": (_NUMPY, "cos", ()),
    "Tan": (_NUMPY, "tan", ()),
    "Arctan": (_NUMPY, "arctan", ()),
    "Sign": (_NUMPY, "sign", ()),
    "Floor": (_NUMPY, "floor", ()),
    "Ceil": (_NUMPY, "ceil", ()),
    "Round": (_NUMPY, "round", ("decimals",)),
    "Reciprocal": (_NUMPY, "reciprocal", ()),
    "Expm1": (_NUMPY, "expm1", ()),
    "Log1p": (_NUMPY, "log1p", ()),
    "Rsqrt": (_MATH, "rsqrt", ()),
    "Erf": (_MATH, "erf", ()),
    "Clip": (_NUMPY, "clip", ("x_min", "x_max")),
    "Where": (_NUMPY, "where", ()),
    "GetItem": (_NUMPY, _get_item, ()),
    "Transpose": (_NUMPY, "transpose", ("axes",)),
    "Mean": (_NUMPY, "mean", ("axis", "keepdims")),
    "Sum": (_NUMPY, "sum", ("axis", "keepdims")),
    "Max": (_NUMPY, "max", ("axis", "keepdims", "initial")),
    "Min": (_NUMPY, "min", ("axis", "keepdims", "initial")),
    "Prod": (_NUMPY, "prod", ("axis", "keepdims", "dtype")),
    "Var": (_NUMPY, "var", ("axis", "keepdims")),
    "Std": (_NUMPY, "std", ("axis", "keepdims")),
    "Argmax": (_NUMPY, "argmax", ("axis", "keepdims")),
    "Argmin": (_NUMPY, "argmin", ("axis", "keepdims")),
    "Cumsum": (_NUMPY, "cumsum", ("axis", "dtype")),
    "Logsumexp": (_MATH, "logsumexp", ("axis", "keepdims")),
    "Reshape": (_NUMPY, "reshape", ("newshape",)),
    "Concatenate": (_NUMPY, "concatenate", ("axis",)),
    "Stack": (_NUMPY, "stack", ("axis",)),
    "ExpandDims": (_NUMPY, "expand_dims", ("axis",)),
    "Squeeze": (_NUMPY, "squeeze", ("axis",)),
    "Swapaxes": (_NUMPY, "swapaxes", ("axis1", "axis2")),
    "Flip": (_NUMPY, "flip", ("axis",)),
    "Tile": (_NUMPY, "tile", ("repeats",)),
    "Take": (_NUMPY, "take", ("axis",)),
    "Split": (_NUMPY, "split", ("indices_or_sections", "axis")),
    "Relu": (_NN, "relu", ()),
    "Sigmoid": (_NN, "sigmoid", ()),
    "Softplus": (_NN, "softplus", ()),
    "Softsign": (_NN, "softsign", ()),
    "Relu6": (_NN, "relu6", ()),
    "Selu": (_NN, "selu", ()),
    "OneHot": (_NN, "one_hot", ("num_classes", "axis", "dtype", "sparse")),
    "Silu": (_NN, "silu", ()),
    "Gelu": (_NN, "gelu", ("approximate",)),
    "Elu": (_NN, "elu", ("alpha",)),
    "LeakyRelu": (_NN, "leaky_relu", ("negative_slope",)),
    "Softmax": (_NN, "softmax", ("axis",)),
    "LogSoftmax": (_NN, "log_softmax", ("axis",)),
    "Cast": (_CORE, "cast", ("dtype",)),
    "RGBToGrayscale": (_IMAGE, "image.rgb_to_grayscale", ("data_format",)),
    "RGBToHSV": (_IMAGE, "image.rgb_to_hsv", ("data_format",)),
    "HSVToRGB": (_IMAGE, "image.hsv_to_rgb", ("data_format",)),
    "PadImages": (_IMAGE, "image.pad_images", _PADDING),
    "CropImages": (_IMAGE, "image.crop_images",
                   tuple(a.replace("padding", "cropping") for a in _PADDING)),
    "ExtractPatches": (_IMAGE, "image.extract_patches",
                       ("size", "strides", "dilation_rate", "padding", "data_format")),
    "AffineTransform": (_IMAGE, "image.affine_transform",
                        ("interpolation", "fill_mode", "fill_value", "data_format")),
    "PerspectiveTransform": (_IMAGE, "image.perspective_transform",
                             ("interpolation", "fill_value", "data_format")),
    "MapCoordinates": (_IMAGE, "image.map_coordinates", ("order", "fill_mode", "fill_value")),
    "GaussianBlur": (_IMAGE, "image.gaussian_blur", ("kernel_size", "sigma", "data_format")),
    "ElasticTransform": (_IMAGE, "image.elastic_transform",
                         ("alpha", "sigma", "interpolation", "fill_mode", "fill_value", "seed",
                          "data_format")),
    "ScaleAndTranslate": (_IMAGE, "image.scale_and_translate",
                          ("spatial_dims", "method", "antialias")),
    "SobelEdges": (_IMAGE, "image.sobel_edges", ("data_format",)),
    "SSIM": (_IMAGE, "image.ssim",
             ("max_val", "filter_size", "filter_sigma", "k1", "k2", "data_format")),
}
# minikeras.ops functions that are other names of one op.
_ALIASES = {"abs": "Absolute"}


class Operation(Layer):
    """A `minikeras.ops` function as a weightless layer: a node of a functional graph."""

    _keeps_integer_inputs = True
    _function = None
    _config_arguments = ()

    def __init__(self, name=None, **arguments):
        unknown = set(arguments) - set(self._config_arguments)
        if unknown:
            raise ValueError(
                f"Unrecognized arguments for the {type(self).__name__} op: {sorted(unknown)}"
            )
        super().__init__(name=name)
        self._arguments = arguments
        self.built = True

    def call(self, *args):
        result = _function_of(self)(*args, **self._arguments)
        value = tape.value_of(result)
        # A boolean result (a mask) has no gradient: hand it on as a plain array.
        return value if getattr(value, "dtype", None) == bool else result

    def get_config(self):
        return {"name": self.name, **self._arguments}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("trainable", "dtype"):
            if key not in cls._config_arguments:  # Cast's `dtype` is its argument
                config.pop(key, None)
        return cls(**config)


def _function_of(operation):
    function = operation._function
    if isinstance(function, str):  # `ops.<name>`, or `ops.<module>.<name>`
        from minikeras import ops

        for name in function.split("."):
            ops = getattr(ops, name)
        return ops
    return function


def _make(class_name, module, function, config_arguments):
    cls = type(class_name, (Operation,), {
        "_function": function if isinstance(function, str) else staticmethod(function),
        "_config_arguments": config_arguments,
        "__doc__": f"Keras' `{class_name}` op on symbolic tensors.",
        "__module__": __name__,
        "_registered_name": class_name,  # what Keras 3 writes as the op's `registered_name`
    })
    return registry.register("operation", module=module)(cls)


OPERATIONS = {
    name: _make(name, module, function, arguments)
    for name, (module, function, arguments) in _OPERATIONS.items()
}
_BY_FUNCTION = {
    function.rpartition(".")[2]: name
    for name, (_, function, _) in _OPERATIONS.items() if isinstance(function, str)
}
_BY_FUNCTION.update(_ALIASES)


def apply(class_name, function, args, kwargs):
    """`function(*args, **kwargs)` on symbolic tensors, recorded as Keras' `class_name` op."""
    cls = OPERATIONS[class_name]
    bound = inspect.signature(function).bind(*args, **kwargs)
    bound.apply_defaults()
    config = {k: v for k, v in bound.arguments.items() if k in cls._config_arguments}
    if "axes" in config and isinstance(config["axes"], tuple):
        config["axes"] = list(config["axes"])
    call_args = [v for k, v in bound.arguments.items() if k not in cls._config_arguments]
    return cls(**config)(*call_args)


def apply_function(function_name, function, args, kwargs):
    """A `minikeras.ops` function called on symbolic tensors: its op, or Keras' kind of error
    for an op minikeras cannot record yet."""
    class_name = _BY_FUNCTION.get(function_name)
    if class_name is None:
        raise NotImplementedError(
            f"`minikeras.ops.{function_name}` cannot be applied to symbolic tensors (a "
            "functional model's `Input` and what follows it) yet; wrap it in a `Layer` "
            "subclass whose `call` uses it instead."
        )
    return apply(class_name, function, args, kwargs)


def get_item(x, key):
    return apply("GetItem", _get_item, (x, key), {})
