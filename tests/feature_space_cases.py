"""The FeatureSpace and HashedCrossing cases that compat/make_feature_space.py runs under Keras 3
and tests/test_feature_space.py runs under minikeras: plain data, no imports of either.

`table()` is a synthetic table shaped like the heart-disease data of Keras' tutorial
"Structured data classification with FeatureSpace": integer, float and string columns and a
0/1 target. `feature_space(FeatureSpace, output_mode)` is the tutorial's FeatureSpace with every
feature type, a hashed string and a hashed integer feature, and two crosses.
"""

import random

ROWS = 48
BATCH = 16


def table():
    """`(columns, target)`: `{name: list}` of ROWS values each, and the 0/1 labels."""
    rng = random.Random(11)
    columns = {
        "age": [rng.randint(29, 77) for _ in range(ROWS)],
        "sex": [rng.randint(0, 1) for _ in range(ROWS)],
        "cp": [rng.choice([0, 1, 2, 3, 4]) for _ in range(ROWS)],
        "trestbps": [rng.randint(94, 200) for _ in range(ROWS)],
        "chol": [rng.randint(126, 564) for _ in range(ROWS)],
        "fbs": [rng.randint(0, 1) for _ in range(ROWS)],
        "thalach": [rng.randint(71, 202) for _ in range(ROWS)],
        "oldpeak": [round(rng.uniform(0, 6.2), 1) for _ in range(ROWS)],
        "slope": [rng.choice([1, 2, 3]) for _ in range(ROWS)],
        "ca": [rng.choice([0, 0, 1, 2, 3]) for _ in range(ROWS)],
        "thal": [rng.choice(["normal", "fixed", "reversible", "normal", "2"])
                 for _ in range(ROWS)],
        "doctor": [rng.choice(["dr. ávila", "dr. chen", "dr. okafor", "dr. smith", "dr. x"])
                   for _ in range(ROWS)],
    }
    target = [int(c >= 3 or (t == "reversible" and a > 55))
              for c, t, a in zip(columns["cp"], columns["thal"], columns["age"])]
    return columns, target


# The columns' dtypes, as a CSV loader (pandas) reads them: int64, float64, strings (the
# other columns).
FLOAT_COLUMNS = ("oldpeak",)
STRING_COLUMNS = ("thal", "doctor")


def arrays(np):
    """`(columns, target)` of `table()` as numpy arrays of the dtypes a CSV gives."""
    columns, target = table()
    as_arrays = {}
    for name, values in columns.items():
        if name in STRING_COLUMNS:
            as_arrays[name] = np.array(values)
        else:
            as_arrays[name] = np.array(values, np.float64 if name in FLOAT_COLUMNS else np.int64)
    return as_arrays, np.array(target, np.int64)


def adapted_state(space, layers):
    """Each preprocessor's adapted state, as JSON: a lookup's vocabulary, a Discretization's
    bin boundaries, a Normalization's weights (`layers`: the framework's layers module)."""
    state = {}
    for name, layer in space.preprocessors.items():
        if hasattr(layer, "get_vocabulary"):
            state[name] = {"vocabulary": [v if isinstance(v, str) else int(v)
                                          for v in layer.get_vocabulary()]}
        elif isinstance(layer, layers.Discretization):
            state[name] = {"bin_boundaries": [float(b) for b in layer.bin_boundaries]}
        elif isinstance(layer, layers.Normalization):
            state[name] = {"weights": [w.tolist() for w in layer.get_weights()]}
    return state


def feature_space(FeatureSpace, output_mode="concat"):
    """The tutorial's FeatureSpace (names given, so configs do not depend on name counters)."""
    return FeatureSpace(
        features={
            "sex": FeatureSpace.integer_categorical(num_oov_indices=0, name="sex"),
            "cp": FeatureSpace.integer_categorical(num_oov_indices=0, name="cp"),
            "ca": FeatureSpace.integer_categorical(max_tokens=5, name="ca"),
            "thal": FeatureSpace.string_categorical(name="thal"),
            "age": FeatureSpace.float_discretized(num_bins=8, name="age"),
            "trestbps": FeatureSpace.float_normalized(name="trestbps"),
            "chol": "float_normalized",
            "thalach": "float_normalized",
            "oldpeak": FeatureSpace.float_rescaled(scale=0.5, offset=-1.0, name="oldpeak"),
            "slope": "float",
            "doctor": FeatureSpace.string_hashed(num_bins=8, name="doctor"),
            "fbs": "integer_hashed",
        },
        crosses=[("sex", "age"), FeatureSpace.cross(("thal", "ca"), crossing_dim=16)],
        crossing_dim=32,
        hashing_dim=4,
        output_mode=output_mode,
    )


def hashed_crossing_cases():
    """`name: (kwargs, columns)`: HashedCrossing's arguments and the columns it crosses, each
    column a list (with its shape) of strings or integers."""
    rng = random.Random(5)
    words = ["", "a", "B", "cat", "héllo", "日本", "x" * 17, "y" * 40, "z" * 70, "red", "blue"]

    def strings(n):
        return [rng.choice(words) + str(rng.randint(0, 30)) for _ in range(n)]

    def ints(n, low=-(2**40), high=2**40):
        return [rng.randint(low, high) for _ in range(n)]

    n = 200
    return {
        "strings_strings": ({"num_bins": 1000}, [strings(n), strings(n)]),
        "strings_ints": ({"num_bins": 97}, [strings(n), ints(n, -5, 50)]),
        "ints_strings": ({"num_bins": 97}, [ints(n, -5, 50), strings(n)]),
        "ints_ints": ({"num_bins": 2**31 - 1}, [ints(n), ints(n)]),
        "three_columns": ({"num_bins": 64}, [strings(n), ints(n, 0, 9), strings(n)]),
        "big_bins": ({"num_bins": 2**62 + 3}, [strings(n), ints(n)]),
        "column_of_one": ({"num_bins": 10}, [[[v] for v in strings(20)],
                                             [[v] for v in ints(20, 0, 5)]]),
        "one_hot": ({"num_bins": 6, "output_mode": "one_hot"}, [strings(12), ints(12, 0, 3)]),
        "one_hot_column": ({"num_bins": 5, "output_mode": "one_hot"},
                           [[[v] for v in strings(8)], [[v] for v in strings(8)]]),
        "scalars": ({"num_bins": 13}, ["cat", 42]),
        "int32_dtype": ({"num_bins": 9, "dtype": "int32"}, [strings(6), strings(6)]),
        "docs_example": ({"num_bins": 5}, [["A", "B", "A", "B", "A"], [101, 101, 101, 102, 102]]),
    }
