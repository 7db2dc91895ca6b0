"""Reference numbers for `MultiOptimizer` and `OptimizerMap`, read off Keras 3 (TF backend).

Run under the oracle: `/tmp/oracle/bin/python compat/make_multi_optimizer.py`.
Writes compat/data/multi_optimizer.json: a two-Dense model's start weights and data; after
`fit` (2 epochs, batches of 4, no shuffle) with an OptimizerMap of Adam (one kernel), RMSprop
(the biases) and a default SGD with momentum: the weights, the optimizer's variable paths and
values, the iteration counts, the config; and the errors of bad maps and of `learning_rate`.
"""

import json
import os
import pathlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = pathlib.Path(__file__).parent / "data" / "multi_optimizer.json"


def error(fn):
    try:
        fn()
    except Exception as caught:  # noqa: BLE001 - recording what Keras raises
        return [type(caught).__name__, str(caught)]
    return None


def main():
    rng = np.random.default_rng(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="first"),
                              keras.layers.Dense(2, name="second")])
    start = [rng.normal(size=w.shape).astype("float32") for w in model.get_weights()]
    model.set_weights(start)
    optimizer_map = keras.optimizers.OptimizerMap(
        keras.optimizers.SGD(0.1, momentum=0.5),
        {".*first/kernel": keras.optimizers.Adam(0.01), ".*bias": keras.optimizers.RMSprop(0.02)})
    optimizer = keras.optimizers.MultiOptimizer(optimizer_map)
    model.compile(optimizer, "mse")
    x, y = rng.random((8, 4)).astype("float32"), rng.random((8, 2)).astype("float32")
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, shuffle=False)
    sgd = keras.optimizers.SGD()
    results = {
        "start": [w.tolist() for w in start], "x": x.tolist(), "y": y.tolist(),
        "weights": [w.tolist() for w in model.get_weights()],
        "paths": [v.path for v in optimizer.variables],
        "values": [np.asarray(v).tolist() for v in optimizer.variables],
        "iterations": [int(optimizer.iterations.numpy())]
                      + [int(o.iterations.numpy()) for o in optimizer.optimizers],
        "config": optimizer.get_config(),
        "errors": {
            "learning_rate": error(lambda: optimizer.learning_rate),
            "set_learning_rate": error(lambda: setattr(optimizer, "learning_rate", 0.1)),
            "default_not_an_optimizer": error(lambda: keras.optimizers.OptimizerMap("sgd")),
            "map_not_a_dict": error(lambda: keras.optimizers.OptimizerMap(sgd, [1])),
            "duplicate_key": error(lambda: keras.optimizers.OptimizerMap(sgd, {"a": sgd})
                                   .__setitem__("a", sgd)),
            "key_not_a_string": error(lambda: keras.optimizers.OptimizerMap(sgd)
                                      .__setitem__(3, sgd)),
            "two_patterns": error(lambda: keras.optimizers.OptimizerMap(
                sgd, {"a.*": sgd, ".*b": keras.optimizers.Adam()})["ab"]),
        },
    }
    OUT.write_text(json.dumps(results))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
