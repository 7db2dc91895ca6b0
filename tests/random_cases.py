"""The `keras.random` cases replayed against Keras 3's numpy backend (compat/make_random.py
records them; tests/test_random.py draws them with minikeras). `draw_case(keras, name)` runs
one case with either library and returns its arrays by key."""

import numpy as np


def _each_function(keras, seed):
    r = keras.random
    logits = np.log(np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], dtype="float32"))
    x = np.arange(24, dtype="float32").reshape(4, 6)
    return {
        "normal": r.normal((3, 4), mean=1.0, stddev=2.0, seed=seed),
        "normal64": r.normal((5,), dtype="float64", seed=seed),
        "uniform": r.uniform((2, 5), minval=-1.0, maxval=3.0, seed=seed),
        "randint": r.randint((4, 3), 2, 9, seed=seed),
        "randint64": r.randint((6,), 0, 1000, dtype="int64", seed=seed),
        "truncated_normal": r.truncated_normal((50,), mean=0.5, stddev=0.1, seed=seed),
        "categorical": r.categorical(logits, 8, seed=seed),
        "dropout": r.dropout(x, 0.4, seed=seed),
        "dropout_shared": r.dropout(x, 0.5, noise_shape=(None, 1), seed=seed),
        "shuffle": r.shuffle(x, seed=seed),
        "shuffle_axis1": r.shuffle(x, axis=1, seed=seed),
        "gamma": r.gamma((3, 3), 2.5, seed=seed),
        "binomial": r.binomial((2, 4), 10, 0.3, seed=seed),
        "beta": r.beta((4,), 2.0, 5.0, seed=seed),
    }


def draw_case(keras, name):
    if name == "integer seed":  # stateless: the same seed, the same numbers
        return _each_function(keras, 1234)
    if name == "seed generator":  # successive draws of one generator differ, repeatably
        generator = keras.random.SeedGenerator(42)
        return {f"{key}_{i}": value for i in range(2)
                for key, value in _each_function(keras, generator).items()}
    if name == "unseeded after set_random_seed":
        keras.utils.set_random_seed(7)
        first = keras.random.normal((4,))
        return {"first": first, "second": keras.random.uniform((3,)),
                "third": keras.random.randint((3,), 0, 100)}
    raise KeyError(name)


RANDOM_CASES = ["integer seed", "seed generator", "unseeded after set_random_seed"]
