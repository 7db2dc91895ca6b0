"""TensorFlow's outputs for the functions the `tensorflow` stand-in provides beyond `tf.keras`
-> compat/data/tensorflow_functions.json.

Run under the oracle: `/tmp/oracle/bin/python compat/make_tensorflow_functions.py`. Each case
is a call `tf.<path>(*args, **kwargs)`; an argument written `{"array": values, "dtype": d}` is
an array. The values, dtype and shape TensorFlow returns are recorded (for random functions,
only dtype and shape); tests/test_tensorflow_functions.py makes the same calls on the stand-in.
"""

import json
import pathlib

import numpy as np
import tensorflow as tf


def a(values, dtype="float32"):
    return {"array": values, "dtype": dtype}


M = a([[1.0, -2.0, 3.0], [0.5, 0.0, -1.5]])
V = a([0.5, -1.0, 2.0, 0.0])
LOGITS = a([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]])
CASES = [
    ("cast", [M, "int32"], {}), ("shape", [M], {}), ("reshape", [M, [3, 2]], {}),
    ("concat", [[M, M], 1], {}), ("stack", [[V, V]], {"axis": 1}), ("unstack", [M], {}),
    ("where", [a([True, False, True, False], "bool"), V, a([9.0, 9.0, 9.0, 9.0])], {}),
    ("where", [a([True, False, True, False], "bool")], {}),
    ("one_hot", [a([0, 2, 1], "int32"), 3], {}),
    ("one_hot", [a([0, 2], "int32"), 3], {"on_value": 5, "off_value": -1}),
    ("argmax", [M], {}), ("argmax", [M], {"axis": 1, "output_type": "int32"}),
    ("expand_dims", [V, 0], {}), ("squeeze", [a([[1.0], [2.0]])], {"axis": 1}),
    ("tile", [V, [2]], {}), ("gather", [M, a([1, 0, 1], "int32")], {}),
    ("gather", [M, a([2, 0], "int32")], {"axis": 1}),
    ("clip_by_value", [M, -1.0, 1.0], {}), ("clip_by_norm", [M, 2.0], {}),
    ("reduce_sum", [M], {"axis": 1}), ("reduce_mean", [M], {}),
    ("reduce_max", [M], {"axis": 0, "keepdims": True}), ("reduce_min", [M], {}),
    ("reduce_prod", [M], {"axis": 1}), ("math.reduce_std", [M], {}), ("math.reduce_variance", [M], {}),
    ("reduce_logsumexp", [M], {"axis": 1}), ("reduce_any", [a([True, False], "bool")], {}),
    ("square", [V], {}), ("sqrt", [a([4.0, 2.0])], {}), ("exp", [V], {}), ("abs", [V], {}),
    ("maximum", [V, 0.25], {}), ("minimum", [V, 0.25], {}), ("equal", [V, 0.0], {}),
    ("range", [5], {}), ("range", [1, 2, 0.25], {}), ("zeros", [[2, 3]], {}),
    ("ones", [[2]], {"dtype": "int32"}), ("zeros_like", [M], {}), ("ones_like", [V], {}),
    ("split", [a([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), [2, -1]], {}),
    ("split", [M, 3], {"axis": 1}),
    ("boolean_mask", [M, a([True, False], "bool")], {}),
    ("boolean_mask", [M, a([[True, False, True], [False, True, False]], "bool")], {}),
    ("sequence_mask", [a([1, 3, 0], "int32")], {"maxlen": 4}),
    ("math.log", [a([1.0, 2.0])], {}), ("math.sigmoid", [V], {}), ("math.softplus", [V], {}),
    ("math.divide_no_nan", [V, a([2.0, 0.0, 4.0, 0.0])], {}),
    ("math.reduce_euclidean_norm", [M], {"axis": 1}), ("math.top_k", [V], {"k": 2}),
    ("math.squared_difference", [V, 1.0], {}), ("math.log_sigmoid", [V], {}),
    ("math.confusion_matrix", [a([0, 1, 1], "int32"), a([0, 1, 0], "int32")], {}),
    ("math.cumsum", [V], {"exclusive": True}), ("math.l2_normalize", [V], {}),
    ("nn.relu", [V], {}), ("nn.softmax", [LOGITS], {}), ("nn.log_softmax", [LOGITS], {}),
    ("nn.gelu", [V], {}), ("nn.leaky_relu", [V], {}), ("nn.elu", [V], {}), ("nn.selu", [V], {}),
    ("nn.silu", [V], {}), ("nn.relu6", [a([-1.0, 3.0, 7.0])], {}),
    ("nn.sigmoid_cross_entropy_with_logits", [], {"labels": a([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
                                                  "logits": LOGITS}),
    ("nn.softmax_cross_entropy_with_logits", [], {"labels": a([[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]]),
                                                  "logits": LOGITS}),
    ("nn.sparse_softmax_cross_entropy_with_logits", [], {"labels": a([2, 1], "int32"),
                                                         "logits": LOGITS}),
    ("nn.weighted_cross_entropy_with_logits", [], {"labels": a([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
                                                   "logits": LOGITS, "pos_weight": 3.0}),
    ("nn.l2_loss", [M], {}), ("nn.moments", [M, [0]], {}), ("nn.bias_add", [M, V["array"][:3]], {}),
    ("nn.compute_average_loss", [V], {"global_batch_size": 8}),
    ("nn.embedding_lookup", [M, a([1, 1, 0], "int32")], {}),
    ("linalg.matmul", [M, M], {"transpose_b": True}), ("linalg.matvec", [M, a([1.0, 2.0, 3.0])], {}),
    ("linalg.trace", [a([[1.0, 2.0], [3.0, 4.0]])], {}), ("linalg.diag", [V], {}),
    ("linalg.diag_part", [a([[1.0, 2.0], [3.0, 4.0]])], {}), ("linalg.matrix_transpose", [M], {}),
    ("linalg.inv", [a([[2.0, 1.0], [1.0, 3.0]])], {}), ("linalg.det", [a([[2.0, 1.0], [1.0, 3.0]])], {}),
    ("linalg.norm", [M], {}), ("linalg.l2_normalize", [M], {"axis": 1}),
    ("random.normal", [[3, 2]], {"seed": 1}), ("random.uniform", [[4]], {"maxval": 5, "dtype": "int32"}),
    ("random.uniform", [[2, 2]], {"minval": -1.0}), ("random.shuffle", [V], {}),
    ("random.categorical", [LOGITS, 5], {}), ("random.truncated_normal", [[3]], {}),
]
RANDOM = ("random.",)


def decode(value):
    if isinstance(value, dict) and "array" in value:
        return np.array(value["array"], dtype=value["dtype"])
    if isinstance(value, list):
        return [decode(v) for v in value]
    return getattr(tf, value) if value in ("int32", "float32", "int64") else value


def encode(result, random):
    if isinstance(result, (list, tuple)):
        return [encode(r, random) for r in result]
    result = np.asarray(result)
    return {"dtype": str(result.dtype), "shape": list(result.shape),
            "values": None if random else result.tolist()}


def resolve(path):
    target = tf
    for part in path.split("."):
        target = getattr(target, part)
    return target


def main():
    cases = []
    for path, args, kwargs in CASES:
        result = resolve(path)(*decode(args), **{k: decode(v) for k, v in kwargs.items()})
        cases.append({"call": path, "args": args, "kwargs": kwargs,
                      "result": encode(result, path.startswith(RANDOM))})
    facts = {"version_major": tf.version.VERSION.split(".")[0],
             "physical_devices": [list(d) for d in tf.config.list_physical_devices()],
             "logical_devices": [[d.name, d.device_type] for d in tf.config.list_logical_devices()],
             "gpus": tf.config.list_physical_devices("GPU"),
             "tensor_shape": [str(tf.TensorShape([None, 3])), tf.TensorShape([2, 3]).num_elements(),
                              str(tf.TensorShape([4]))]}
    try:
        tf.config.experimental.set_memory_growth(tf.config.list_physical_devices()[0], True)
    except ValueError as error:
        facts["memory_growth_error"] = str(error)
    out = {"cases": cases, "facts": facts}
    path = pathlib.Path(__file__).resolve().parent / "data" / "tensorflow_functions.json"
    path.write_text(json.dumps(out, indent=None) + "\n")


if __name__ == "__main__":
    main()
