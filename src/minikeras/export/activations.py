"""ONNX for each Keras activation, written with the operators of opset 18.

`convert_activation(fn, graph, x, shape)` writes `fn(x)`; `shape` is the value's shape (None
for unknown axes), needed where the last axis' size is (glu, sparsemax).
"""

import math

from minikeras import activations as mk

_WRITERS = {}


def _writes(*functions):
    def register(writer):
        for function in functions:
            _WRITERS[function] = writer
        return writer

    return register


def convert_activation(function, graph, x, shape):
    writer = _WRITERS.get(function)
    if writer is None:
        name = getattr(function, "__name__", repr(function))
        raise ValueError(
            f"The activation {name!r} cannot be exported to ONNX: minikeras writes the built-in "
            "Keras activations (with their default arguments) only."
        )
    return writer(graph, x, shape)


def _scalar(graph, value):
    return graph.constant(value, "c")


def _softplus(graph, x):
    # max(x, 0) + log(1 + exp(-|x|)): never overflows, as minikeras computes it.
    tail = graph.op("Log", graph.op("Add", _scalar(graph, 1.0),
                                    graph.op("Exp", graph.op("Neg", graph.op("Abs", x)))))
    return graph.op("Add", graph.op("Relu", x), tail)


@_writes(mk.linear)
def _linear(graph, x, shape):
    return x


@_writes(mk.relu)
def _relu(graph, x, shape):
    return graph.op("Relu", x)


@_writes(mk.relu6)
def _relu6(graph, x, shape):
    return graph.op("Clip", x, _scalar(graph, 0.0), _scalar(graph, 6.0))


@_writes(mk.leaky_relu)
def _leaky_relu(graph, x, shape):
    return graph.op("LeakyRelu", x, alpha=0.2)


@_writes(mk.elu)
def _elu(graph, x, shape):
    return graph.op("Elu", x, alpha=1.0)


@_writes(mk.celu)
def _celu(graph, x, shape):
    return graph.op("Celu", x, alpha=1.0)


@_writes(mk.selu)
def _selu(graph, x, shape):
    return graph.op("Selu", x, alpha=mk._SELU_ALPHA, gamma=mk._SELU_SCALE)


@_writes(mk.sigmoid)
def _sigmoid(graph, x, shape):
    return graph.op("Sigmoid", x)


@_writes(mk.hard_sigmoid)
def _hard_sigmoid(graph, x, shape):
    return graph.op("HardSigmoid", x, alpha=1 / 6, beta=0.5)


@_writes(mk._keras2_hard_sigmoid)
def _keras2_hard_sigmoid(graph, x, shape):
    return graph.op("HardSigmoid", x, alpha=0.2, beta=0.5)


@_writes(mk.hard_silu)
def _hard_silu(graph, x, shape):
    return graph.op("HardSwish", x)


@_writes(mk.tanh)
def _tanh(graph, x, shape):
    return graph.op("Tanh", x)


@_writes(mk.tanh_shrink)
def _tanh_shrink(graph, x, shape):
    return graph.op("Sub", x, graph.op("Tanh", x))


@_writes(mk.hard_tanh)
def _hard_tanh(graph, x, shape):
    return graph.op("Clip", x, _scalar(graph, -1.0), _scalar(graph, 1.0))


@_writes(mk.softplus)
def _softplus_activation(graph, x, shape):
    return _softplus(graph, x)


@_writes(mk.softsign)
def _softsign(graph, x, shape):
    return graph.op("Softsign", x)


@_writes(mk.soft_shrink)
def _soft_shrink(graph, x, shape):
    return graph.op("Shrink", x, lambd=0.5, bias=0.5)


@_writes(mk.hard_shrink)
def _hard_shrink(graph, x, shape):
    return graph.op("Shrink", x, lambd=0.5, bias=0.0)


@_writes(mk.silu)
def _silu(graph, x, shape):
    return graph.op("Mul", x, graph.op("Sigmoid", x))


@_writes(mk.gelu)
def _gelu(graph, x, shape):
    # The exact form, x (1 + erf(x / sqrt 2)) / 2, as Keras' default `approximate=False`.
    erf = graph.op("Erf", graph.op("Mul", x, _scalar(graph, math.sqrt(0.5))))
    return graph.op("Mul", graph.op("Mul", x, _scalar(graph, 0.5)),
                    graph.op("Add", erf, _scalar(graph, 1.0)))


@_writes(mk.mish)
def _mish(graph, x, shape):
    return graph.op("Mul", x, graph.op("Tanh", _softplus(graph, x)))


@_writes(mk.exponential)
def _exponential(graph, x, shape):
    return graph.op("Exp", x)


@_writes(mk.log_sigmoid)
def _log_sigmoid(graph, x, shape):
    return graph.op("Neg", _softplus(graph, graph.op("Neg", x)))


@_writes(mk.softmax)
def _softmax(graph, x, shape):
    return graph.op("Softmax", x, axis=-1)


@_writes(mk.log_softmax)
def _log_softmax(graph, x, shape):
    return graph.op("LogSoftmax", x, axis=-1)


@_writes(mk.sparse_plus)
def _sparse_plus(graph, x, shape):
    one = _scalar(graph, 1.0)
    middle = graph.op("Mul", _scalar(graph, 0.25), graph.op("Pow", graph.op("Add", x, one),
                                                              _scalar(graph, 2.0)))
    upper = graph.op("Where", graph.op("GreaterOrEqual", x, one), x, middle)
    return graph.op("Where", graph.op("LessOrEqual", x, _scalar(graph, -1.0)),
                    _scalar(graph, 0.0), upper)


@_writes(mk.sparse_sigmoid)
def _sparse_sigmoid(graph, x, shape):
    half = graph.op("Mul", graph.op("Add", x, _scalar(graph, 1.0)), _scalar(graph, 0.5))
    return graph.op("Clip", half, _scalar(graph, 0.0), _scalar(graph, 1.0))


@_writes(mk.squareplus)
def _squareplus(graph, x, shape):
    root = graph.op("Sqrt", graph.op("Add", graph.op("Mul", x, x), _scalar(graph, 4.0)))
    return graph.op("Mul", graph.op("Add", x, root), _scalar(graph, 0.5))


@_writes(mk.glu)
def _glu(graph, x, shape):
    a, b = graph.op("Split", x, axis=-1, num_outputs=2, outputs=2)
    return graph.op("Mul", a, graph.op("Sigmoid", b))


@_writes(mk.sparsemax)
def _sparsemax(graph, x, shape):
    # As minikeras computes it: shift the top entry to 0, sort, find the support size k from
    # the cumulative sums, tau = (cumsum[k - 1] - 1) / k, and max(x - tau, 0).
    size = shape[-1]
    last = graph.axes(-1)
    x = graph.op("Sub", x, graph.op("ReduceMax", x, last, keepdims=1))
    ranked, _ = graph.op("TopK", x, graph.constant([size], "k", dtype="int64"), axis=-1,
                         outputs=2)
    cumsum = graph.op("CumSum", ranked, graph.constant(-1, "axis", dtype="int64"))
    rank = graph.constant(range(1, size + 1), "rank")
    bound = graph.op("Div", graph.op("Sub", cumsum, _scalar(graph, 1.0)), rank)
    supported = graph.op("Cast", graph.op("Greater", graph.op("Sub", ranked, bound),
                                          _scalar(graph, 0.0)), to=_float_type(graph))
    count = graph.op("ReduceSum", supported, last, keepdims=1)
    index = graph.op("Sub", graph.op("Cast", count, to=graph.onnx.TensorProto.INT64),
                     graph.constant(1, "one", dtype="int64"))
    top = graph.op("GatherElements", cumsum, index, axis=-1)
    tau = graph.op("Div", graph.op("Sub", top, _scalar(graph, 1.0)), count)
    return graph.op("Relu", graph.op("Sub", x, tau))


def _float_type(graph):
    return graph.onnx.helper.np_dtype_to_tensor_dtype(graph.dtype)
