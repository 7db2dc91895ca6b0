"""Keras 3's numbers for the recurrent layers and wrappers, for tests/test_recurrent.py.

    /tmp/oracle/bin/python compat/make_recurrent.py

For every case of tests/recurrent_cases.py: the layer's config, its outputs on the shared
inputs with seeded weights (masked, with initial states, as the case says) and the gradients of
`sum(output * upstream)` with respect to the inputs, the initial states and every weight, taken
by TensorFlow. For every case of `ATTENTION`, the same with the query, value and key. For
every model of `TRAINING` (recurrent Sequential models, functional attention classifiers): the
losses and weights after a few `train_on_batch` steps from seeded weights. Writes
data/recurrent.json (configs, weight shapes) and data/recurrent.npz.
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

import recurrent_cases as cases  # noqa: E402


def upstreams(outputs, seed=3):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=tuple(o.shape)).astype("float32") for o in outputs]


def run_case(keras, tf, name, spec, call):
    layer = cases.build(keras.layers, spec)
    x = tf.constant(cases.inputs())
    kwargs = {}
    if call.get("mask"):
        kwargs["mask"] = tf.constant(cases.MASK)
    layer(x, **kwargs)  # build
    state_shapes = []
    if call.get("initial_state"):
        sizes = layer.cell.state_size
        sizes = sizes if isinstance(sizes, (list, tuple)) else [sizes]
        state_shapes = [(cases.BATCH, int(s)) for s in sizes]
        kwargs["initial_state"] = [tf.constant(s) for s in cases.initial_states(state_shapes)]
    weights = cases.weight_values([tuple(w.shape) for w in layer.weights])
    layer.set_weights(weights)
    states = kwargs.get("initial_state", [])
    with tf.GradientTape() as tape:
        tape.watch(x)
        for s in states:
            tape.watch(s)
        result = layer(x, **kwargs)
        outputs = keras.tree.flatten(result)
        seeds = upstreams(outputs)
        total = sum(tf.reduce_sum(o * u) for o, u in zip(outputs, seeds))
    grads = tape.gradient(total, [x, *states, *layer.trainable_weights])
    arrays = {f"{name}/x": x.numpy()}
    arrays.update({f"{name}/state{i}": s.numpy() for i, s in enumerate(states)})
    arrays.update({f"{name}/w{i}": w for i, w in enumerate(weights)})
    arrays.update({f"{name}/out{i}": o.numpy() for i, o in enumerate(outputs)})
    arrays.update({f"{name}/up{i}": u for i, u in enumerate(seeds)})
    arrays.update({f"{name}/grad{i}": g.numpy() for i, g in enumerate(grads)})
    info = {"config": keras.saving.serialize_keras_object(layer),
            "weights": [w.path for w in layer.weights], "outputs": len(outputs),
            "structure": repr(keras.tree.map_structure(lambda _: 0, result))}
    return arrays, info


def run_attention(keras, tf, name, spec, call):
    layer = cases.build(keras.layers, spec)
    query, value, key = (tf.constant(a) for a in cases.attention_case_inputs(name))
    cases.attention_call(layer, call, query, value, key, tf.constant)  # build
    weights = cases.weight_values([tuple(w.shape) for w in layer.weights])
    layer.set_weights(weights)
    with tf.GradientTape() as tape:
        tape.watch([query, value, key])
        outputs = keras.tree.flatten(
            cases.attention_call(layer, call, query, value, key, tf.constant))
        seeds = upstreams(outputs)
        total = sum(tf.reduce_sum(o * u) for o, u in zip(outputs, seeds))
    grads = tape.gradient(total, [query, value, key, *layer.trainable_weights],
                          unconnected_gradients="zero")
    arrays = {f"{name}/w{i}": w for i, w in enumerate(weights)}
    arrays.update({f"{name}/out{i}": o.numpy() for i, o in enumerate(outputs)})
    arrays.update({f"{name}/up{i}": u for i, u in enumerate(seeds)})
    arrays.update({f"{name}/grad{i}": g.numpy() for i, g in enumerate(grads)})
    info = {"config": keras.saving.serialize_keras_object(layer),
            "weights": [w.path for w in layer.weights], "outputs": len(outputs)}
    return arrays, info


def run_training(keras, name, loss, optimizer, target):
    model = cases.training_model(keras, name)
    model.compile(optimizer=getattr(keras.optimizers, optimizer[0])(**optimizer[1]), loss=loss)
    weights = cases.weight_values([tuple(w.shape) for w in model.weights], seed=4)
    model.set_weights(weights)
    rng = np.random.default_rng(5)
    n = cases.TRAINING_BATCH * cases.TRAINING_STEPS
    x = rng.uniform(-1, 1, (n, *model.input_shape[1:])).astype("float32")
    width = model.output_shape[-1]
    if target == "sequence":
        y = rng.normal(size=(n, cases.STEPS, width)).astype("float32")
    elif loss == "categorical_crossentropy":
        y = np.eye(width, dtype="float32")[rng.integers(0, width, n)]
    else:
        y = rng.normal(size=(n, width)).astype("float32")
    losses = []
    for step in range(cases.TRAINING_STEPS):
        batch = slice(step * cases.TRAINING_BATCH, (step + 1) * cases.TRAINING_BATCH)
        losses.append(float(model.train_on_batch(x[batch], y[batch])))
    arrays = {f"train/{name}/x": x, f"train/{name}/y": y}
    arrays.update({f"train/{name}/w{i}": w for i, w in enumerate(weights)})
    arrays.update({f"train/{name}/trained{i}": w for i, w in enumerate(model.get_weights())})
    arrays[f"train/{name}/pred"] = model.predict(x, verbose=0)
    return arrays, {"losses": losses}


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    arrays, info = {}, {"keras": keras.__version__, "cases": {}, "training": {}}
    for name, (spec, call) in cases.CASES.items():
        case_arrays, info["cases"][name] = run_case(keras, tf, name, spec, call)
        arrays.update(case_arrays)
    info["attention"] = {}
    for name, (spec, call) in cases.ATTENTION.items():
        case_arrays, info["attention"][name] = run_attention(keras, tf, name, spec, call)
        arrays.update(case_arrays)
    for name, (_, loss, optimizer, target) in cases.TRAINING.items():
        case_arrays, info["training"][name] = run_training(keras, name, loss, optimizer, target)
        arrays.update(case_arrays)
    data = os.path.join(HERE, "data")
    with open(os.path.join(data, "recurrent.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True, default=str)
    np.savez_compressed(os.path.join(data, "recurrent.npz"), **arrays)
    print(f"{len(info['cases'])} cases, {len(info['training'])} trained models")


if __name__ == "__main__":
    main()
