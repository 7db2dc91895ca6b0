"""Initializers against Keras 3 (compat/data/init_reg_con.*, made by compat/make_init_reg_con.py)
and against closed forms: bounds, variances, orthogonality, fans, seeds."""

import json
import math
import re

import numpy as np
import pytest

from conftest import COMPAT_DATA
from minikeras import backend, initializers
from minikeras.saving import registry

DATA = COMPAT_DATA / "init_reg_con"
REF = json.loads(DATA.with_suffix(".json").read_text())
ARRAYS = np.load(DATA.with_suffix(".npz"))
CASES = REF["cases"]["initializers"]
K3 = REF["k3"]["names"]["initializers"]
K2 = REF["k2"]["names"]["initializers"]
RANDOM_CLASSES = [
    name for name, cls in K3["names"].items()
    if name == cls and "seed" in (K3["get"][name].get("config") or {})
]
# Keras 3 refuses get('constant') with KeyError('value'); minikeras does what Keras 2 did.
KERAS2_BEHAVIOUR = {"constant", "Constant"}


def make(case, **overrides):
    return getattr(initializers, case["class"])(**{**case["kwargs"], **overrides})


def plain(obj):
    return json.loads(json.dumps(obj))


def unordered_sets(text):
    """Keras prints Python sets in some messages; their order is arbitrary."""
    def sort(match):
        return "{" + ", ".join(sorted(match.group(1).split(", "))) + "}"

    return re.sub(r"\{([^{}]*)\}", sort, text)


def error_text(fn):
    with pytest.raises(Exception) as info:
        fn()
    return f"{type(info.value).__name__}: {info.value}"


# ----------------------------------------------------------------------------------------------
# Names, configs, serialization


@pytest.mark.parametrize("name", sorted(K3["names"]))
def test_public_names_are_keras3s(name):
    assert getattr(initializers, name).__name__ == K3["names"][name]


@pytest.mark.parametrize("name", sorted(K3["get"]))
def test_get_by_name_matches_keras3(name):
    expected = (K2 if name in KERAS2_BEHAVIOUR else K3)["get"][name]
    if "error" in expected:
        assert error_text(lambda: initializers.get(name)) == expected["error"]
    else:
        obj = initializers.get(name)
        assert type(obj).__name__ == expected["class"]
        assert obj.get_config() == expected["config"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_config_and_serialization_match_keras3(case):
    expected = REF["k3"]["configs"][case["id"]]
    obj = make(case)
    assert list(obj.get_config().items()) == list(expected["config"].items())
    assert plain(initializers.serialize(obj)) == expected["serialized"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_config_round_trip(case):
    obj = make(case)
    config = obj.get_config()
    assert type(obj).from_config(config).get_config() == config
    again = initializers.deserialize(json.loads(json.dumps(initializers.serialize(obj))))
    assert type(again) is type(obj) and again.get_config() == config
    if case["kwargs"].get("seed") is not None:  # a seeded initializer is fully described
        np.testing.assert_array_equal(again((4, 3, 2)), obj((4, 3, 2)))


K2_CASES = [c for c in CASES if c["id"] in REF["k2"]["configs"]]


@pytest.mark.parametrize("case", K2_CASES, ids=[c["id"] for c in K2_CASES])
def test_keras2_configs_load(case):
    k2_config = REF["k2"]["configs"][case["id"]]["config"]
    obj = initializers.get({"class_name": case["class"], "config": k2_config})
    assert type(obj).__name__ == case["class"]
    assert obj.get_config() == REF["k3"]["configs"][case["id"]]["config"]
    for arg, value in case["kwargs"].items():  # including what Keras 3's config leaves out (gain)
        if arg != "distribution":
            assert getattr(obj, arg) == value


def test_constant_array_value_serializes_like_keras3():
    obj = initializers.Constant(np.arange(3.0))
    assert plain(initializers.serialize(obj)) == REF["constant_array"]
    again = initializers.deserialize(REF["constant_array"])
    np.testing.assert_array_equal(again((2, 3)), [[0, 1, 2], [0, 1, 2]])


def test_get_passes_through_none_instances_classes_callables_and_arrays():
    assert initializers.get(None) is None
    instance = initializers.Ones()
    assert initializers.get(instance) is instance
    assert isinstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
    fn = lambda shape, dtype=None: np.full(shape, 7.0)  # noqa: E731
    assert initializers.get(fn) is fn
    fixed = initializers.get(np.ones((2, 2)))
    assert fixed((2, 2)).dtype == np.float32 and fixed((2, 2)).sum() == 4
    assert error_text(lambda: fixed((2, 3))) == REF["errors"]["array_initializer_shape"]


def test_custom_subclass_serializes_through_the_registry():
    class Halves(initializers.Initializer):
        def __init__(self, scale=0.5):
            self.scale = scale

        def __call__(self, shape, dtype=None):
            return np.full(shape, self.scale, dtype=backend.standardize_dtype(dtype))

        def get_config(self):
            return {"scale": self.scale}

    config = initializers.serialize(Halves(0.25))
    again = initializers.deserialize(config, custom_objects={"Halves": Halves})
    np.testing.assert_array_equal(again((2,)), [0.25, 0.25])


# ----------------------------------------------------------------------------------------------
# Values


def value_cases():
    """(case, shape, key) for every array recorded from Keras 3's numpy backend."""
    for i, case in enumerate(CASES):
        shapes = REF["value_shapes"].get(case["class"], REF["value_shapes"]["default"])
        for j, shape in enumerate(shapes):
            if f"init/{i}/{j}" in ARRAYS.files:
                shape = (2, 3, 4) if "input_axes" in case["kwargs"] else tuple(shape)
                yield pytest.param(case, shape, f"init/{i}/{j}", id=f"{case['id']}-{shape}")


@pytest.mark.parametrize("case, shape, key", list(value_cases()))
def test_seeded_and_fixed_values_equal_keras3_numpy_backend(case, shape, key):
    # Same generator and algorithm as Keras' numpy backend, so equal to float32 rounding
    # (Orthogonal's QR and STFT run in float64 here, in float32 there).
    values = make(case)(shape)
    assert values.dtype == np.float32 and values.shape == ARRAYS[key].shape
    np.testing.assert_allclose(values, ARRAYS[key], rtol=0, atol=1e-6)


def sample_sigma(stat):
    return stat["std"] if stat["std"] > 0 else 1.0


def is_bounded(stat):
    kwargs = stat["kwargs"]
    normal_tails = stat["class"] in ("RandomNormal", "Orthogonal")
    return not normal_tails and kwargs.get("distribution") != "untruncated_normal"


@pytest.mark.parametrize(
    "stat", REF["stats"], ids=[f"{s['class']}{s['kwargs']}-{s['shape']}" for s in REF["stats"]]
)
def test_statistics_match_keras3_on_tensorflow(stat):
    # TensorFlow's generator differs, so compare distributions: two samples of N values
    # differ in mean by ~sqrt(2/N) sigma and in std by ~sqrt(1/N) sigma; allow 6 of those.
    obj = getattr(initializers, stat["class"])(**{"seed": 1234, **stat["kwargs"]})
    values = obj(tuple(stat["shape"])).astype("float64")
    sigma, n = sample_sigma(stat), values.size
    assert abs(values.mean() - stat["mean"]) <= 6 * math.sqrt(2 / n) * sigma
    assert abs(values.std() - stat["std"]) <= 6 * math.sqrt(1 / n) * sigma
    # Extremes: within a hair for bounded distributions, loosely for normal tails.
    tolerance = 0.05 * sigma if is_bounded(stat) else 1.5 * sigma
    assert abs(values.min() - stat["min"]) <= tolerance
    assert abs(values.max() - stat["max"]) <= tolerance


@pytest.mark.parametrize("fans", REF["fans"], ids=[str(f["shape"]) for f in REF["fans"]])
def test_compute_fans_matches_keras3(fans):
    got = initializers.compute_fans(fans["shape"], fans.get("input_axes"), fans.get("output_axes"))
    assert list(got) == fans["fans"]


# (class, scale, mode, distribution) of every VarianceScaling, checked on a (400, 300) kernel
# where fan_in = 400, fan_out = 300 and fan_avg = 350.
VARIANCE_SCALINGS = [
    ("GlorotUniform", {}, 1.0, "fan_avg", "uniform"),
    ("GlorotNormal", {}, 1.0, "fan_avg", "truncated_normal"),
    ("HeUniform", {}, 2.0, "fan_in", "uniform"),
    ("HeNormal", {}, 2.0, "fan_in", "truncated_normal"),
    ("LecunUniform", {}, 1.0, "fan_in", "uniform"),
    ("LecunNormal", {}, 1.0, "fan_in", "truncated_normal"),
    ("VarianceScaling", {"scale": 3.0, "mode": "fan_out", "distribution": "uniform"},
     3.0, "fan_out", "uniform"),
    ("VarianceScaling", {"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal"},
     0.5, "fan_avg", "untruncated_normal"),
]


@pytest.mark.parametrize("name, kwargs, scale, mode, distribution", VARIANCE_SCALINGS)
def test_variance_scaling_closed_forms(name, kwargs, scale, mode, distribution):
    values = getattr(initializers, name)(seed=5, **kwargs)((400, 300)).astype("float64")
    variance = scale / {"fan_in": 400, "fan_out": 300, "fan_avg": 350}[mode]
    # Every distribution is scaled to the same variance (truncation included).
    assert values.var() == pytest.approx(variance, rel=0.02)
    if distribution == "uniform":
        limit = math.sqrt(3 * variance)
        assert np.abs(values).max() <= limit and np.abs(values).max() > 0.999 * limit
    if distribution == "truncated_normal":
        cut = 2 * math.sqrt(variance) / 0.87962566103423978
        assert np.abs(values).max() <= cut and np.abs(values).max() > 0.99 * cut


def test_uniform_and_truncated_normal_bounds():
    uniform = initializers.RandomUniform(-1.0, 3.0, seed=1)((200, 100))
    assert -1.0 <= uniform.min() < -0.99 and 2.99 < uniform.max() < 3.0
    truncated = initializers.TruncatedNormal(mean=-1.0, stddev=0.5, seed=1)((200, 100))
    assert truncated.min() >= -2.0 and truncated.max() <= 0.0
    assert truncated.std() == pytest.approx(0.5 * 0.87962566103423978, rel=0.02)


@pytest.mark.parametrize("shape", [(6, 5), (3, 5), (2, 3, 4), (7, 7)])
@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_orthogonal_is_orthogonal(shape, gain):
    flat = initializers.Orthogonal(gain=gain, seed=2)(shape, dtype="float64").reshape(-1, shape[-1])
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(len(gram)), atol=1e-12)


def test_identity_and_constants():
    np.testing.assert_array_equal(initializers.Identity(gain=2.0)((2, 3)), [[2, 0, 0], [0, 2, 0]])
    np.testing.assert_array_equal(initializers.Constant(0.25)((2,)), [0.25, 0.25])
    assert initializers.get("zero")((2,), dtype="float64").dtype == np.float64
    assert initializers.get("one")((3,)).sum() == 3


def test_truncated_normal_is_fast_on_large_shapes():
    values = initializers.TruncatedNormal(stddev=1.0, seed=0)((1000, 1000))
    assert values.shape == (1000, 1000) and np.abs(values).max() <= 2.0


# ----------------------------------------------------------------------------------------------
# Seeds and dtypes


@pytest.mark.parametrize("name", RANDOM_CLASSES)
def test_unseeded_instance_repeats_itself_and_differs_from_others(name):
    first, second = getattr(initializers, name)(), getattr(initializers, name)()
    np.testing.assert_array_equal(first((5, 4)), first((5, 4)))
    assert not np.array_equal(first((5, 4)), second((5, 4)))


@pytest.mark.parametrize("name", RANDOM_CLASSES)
def test_set_random_seed_makes_construction_repeatable(name):
    backend.set_random_seed(11)
    first = getattr(initializers, name)()((5, 4))
    backend.set_random_seed(11)
    np.testing.assert_array_equal(getattr(initializers, name)()((5, 4)), first)


def _construction_and_shuffle():
    from minikeras import layers

    dense = layers.Dense(3)
    dense.build((None, 4))
    return dense.kernel.numpy(), backend.numpy_random().permutation(10), backend.rng().random(3)


def test_a_seeded_block_draws_what_set_random_seed_gives_whatever_other_threads_draw():
    import random
    import threading

    backend.set_random_seed(5)
    expected = _construction_and_shuffle()
    stop = threading.Event()

    def draw_meanwhile():  # as a Dask worker's event loop does, at its own times
        while not stop.is_set():
            random.random(), np.random.random()

    thread = threading.Thread(target=draw_meanwhile)
    thread.start()
    try:
        for _ in range(20):
            with backend.seeded(5):
                got = _construction_and_shuffle()
            for a, b in zip(got, expected):
                np.testing.assert_array_equal(a, b)
    finally:
        stop.set()
        thread.join()
    assert backend.numpy_random() is np.random  # the block's streams go with it


@pytest.mark.parametrize("name", RANDOM_CLASSES)
def test_seed_determines_values_and_float64_is_the_source(name):
    make_one = getattr(initializers, name)
    wide = make_one(seed=3)((5, 4), dtype="float64")
    assert wide.dtype == np.float64
    np.testing.assert_array_equal(make_one(seed=3)((5, 4)), wide.astype("float32"))
    np.testing.assert_array_equal(make_one(seed=3).clone()((5, 4), dtype="float64"), wide)


def test_seeded_values_come_from_numpy_default_rng():
    expected = np.random.default_rng(3).normal(0.5, 2.0, size=(4, 2)).astype("float32")
    np.testing.assert_array_equal(initializers.RandomNormal(0.5, 2.0, seed=3)((4, 2)), expected)


# ----------------------------------------------------------------------------------------------
# Errors

ERRORS = {
    "initializer_unknown": lambda: initializers.get("foo"),
    "seed_type": lambda: initializers.RandomNormal(seed="a"),
    "scale_negative": lambda: initializers.VarianceScaling(scale=-1),
    "mode_unknown": lambda: initializers.VarianceScaling(mode="fan"),
    "distribution_unknown": lambda: initializers.VarianceScaling(distribution="gamma"),
    "orthogonal_rank": lambda: initializers.Orthogonal()((3,)),
    "identity_rank": lambda: initializers.Identity()((3, 3, 3)),
    "initializer_base_call": lambda: initializers.Initializer()((3, 3)),
    "stft_side": lambda: initializers.STFT(side="both"),
    "stft_scaling": lambda: initializers.STFT(scaling="power"),
}


@pytest.mark.parametrize("label", sorted(ERRORS))
def test_error_texts_match_keras3(label):
    assert unordered_sets(error_text(ERRORS[label])) == unordered_sets(REF["errors"][label])
