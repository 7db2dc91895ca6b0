"""Optimizers and learning-rate schedules against Keras 3.

The reference numbers, configs, variable names and error texts come from running Keras
(compat/make_optimizers.py -> compat/data/optimizers.{json,npz}): every case starts a (4,3)
kernel and a (3,) bias from the same weights and applies the same five gradient pairs.
"""

import inspect
import json
import pathlib
import tracemalloc
import warnings

import numpy as np
import pytest

from minikeras import backend, optimizers
from minikeras.layers.base import Variable
from minikeras.optimizers import schedules

DATA = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data"
REFERENCE = json.loads((DATA / "optimizers.json").read_text())
with np.load(DATA / "optimizers.npz") as _file:
    ARRAYS = dict(_file)
CASES = REFERENCE["cases"]
STEPS = REFERENCE["steps"]
TOLERANCE = 1e-6


def model_variables():
    return [
        Variable(ARRAYS["initial/kernel"].copy(), name="kernel", path="dense/kernel"),
        Variable(ARRAYS["initial/bias"].copy(), name="bias", path="dense/bias"),
    ]


def gradients(step):
    return [ARRAYS[f"grads/{step}/kernel"], ARRAYS[f"grads/{step}/bias"]]


def make(case):
    spec = CASES[case]
    kwargs = dict(spec["kwargs"])
    if isinstance(kwargs.get("learning_rate"), dict):
        kwargs["learning_rate"] = schedules.deserialize(kwargs["learning_rate"])
    return getattr(optimizers, spec["class_name"])(**kwargs)


def own_path(path, optimizer_name):
    """A variable's path without the optimizer's name (Adafactor's placeholders have none)."""
    prefix = optimizer_name + "/"
    return path[len(prefix):] if path.startswith(prefix) else path


def without_name(config):
    return {key: value for key, value in config.items() if key != "name"}


def update(optimizer, variables, grads, api):
    """One update through each public entry point."""
    if api == "apply_gradients":
        optimizer.apply_gradients(zip(grads, variables))
    else:
        optimizer.apply(grads, variables)


# ----------------------------------------------------------------------------------------------
# Updates


@pytest.mark.parametrize("api", ["apply_gradients", "apply"])
@pytest.mark.parametrize("case", list(CASES))
def test_weights_follow_keras_step_by_step(case, api):
    optimizer = make(case)
    variables = model_variables()
    arrays = [v.value for v in variables]
    for step in range(STEPS):
        grads = gradients(step)
        originals = [g.copy() for g in grads]
        update(optimizer, variables, grads, api)
        for variable, name in zip(variables, ("kernel", "bias")):
            assert variable.value.dtype == np.float32
            np.testing.assert_allclose(
                variable.value, ARRAYS[f"{case}/{name}"][step], rtol=0, atol=TOLERANCE,
                err_msg=f"{case}: {name} after step {step + 1}",
            )
        for grad, original in zip(grads, originals):  # gradients are read, never written
            np.testing.assert_array_equal(grad, original)
    assert all(v.value is array for v, array in zip(variables, arrays))  # updated in place
    for index, variable in enumerate(optimizer.variables):
        np.testing.assert_allclose(
            variable.value, ARRAYS[f"{case}/var{index}"], rtol=1e-5, atol=TOLERANCE,
            err_msg=f"{case}: optimizer variable {variable.name}",
        )


@pytest.mark.parametrize("case", list(REFERENCE["shape_cases"]))
def test_rules_that_read_shapes_follow_keras_on_other_ranks(case):
    """Adafactor factors the last two axes of any rank >= 2 and keeps placeholders below;
    Lamb's norms are of whole variables: both against Keras on ranks 0 to 4."""
    spec = REFERENCE["shape_cases"][case]
    variables = [Variable(ARRAYS[f"{case}/initial/{i}"].copy(), name=f"w{i}", path=f"w{i}")
                 for i in range(len(spec["shapes"]))]
    optimizer = getattr(optimizers, spec["class_name"])(**spec["kwargs"])
    for step in range(STEPS):
        optimizer.apply([ARRAYS[f"{case}/grads/{step}/{i}"] for i in range(len(variables))],
                        variables)
        for i, variable in enumerate(variables):
            assert variable.value.dtype == np.float32
            np.testing.assert_allclose(variable.value, ARRAYS[f"{case}/weights/{step}/{i}"],
                                       rtol=0, atol=TOLERANCE, err_msg=f"w{i} step {step + 1}")
    assert [[v.name, list(v.shape), v.dtype] for v in optimizer.variables] == spec["variables"]
    for index, variable in enumerate(optimizer.variables):
        np.testing.assert_allclose(variable.value, ARRAYS[f"{case}/var{index}"], rtol=1e-5,
                                   atol=TOLERANCE, err_msg=variable.name)


def schedule_free_reference(case, momentum_after_its_step):
    """ScheduleFreeAdamW written out in float32 (no weight decay, clipping or warmup): the
    average recovered from the momentum before its step (the algorithm), or after it."""
    kwargs = {"learning_rate": 0.0025, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8,
              **CASES[case]["kwargs"]}
    lr, beta_1, beta_2, epsilon = (np.float32(kwargs[k])
                                   for k in ("learning_rate", "beta_1", "beta_2", "epsilon"))
    y = [v.value for v in model_variables()]
    z, v = [w.copy() for w in y], [np.zeros_like(w) for w in y]
    one, trajectory = np.float32(1), []
    for step in range(STEPS):
        t = np.float32(step + 1)
        for i, g in enumerate(gradients(step)):
            v[i] = v[i] + (g * g - v[i]) * (one - beta_2)
            z_old = z[i]
            z[i] = z[i] - lr * g / (np.sqrt(v[i] / (one - beta_2 ** t)) + epsilon)
            z_read = z[i] if momentum_after_its_step else z_old
            x = (y[i] - (one - beta_1) * z_read) / beta_1
            x = (one - one / t) * x + (one / t) * z[i]
            y[i] = (one - beta_1) * z[i] + beta_1 * x
        trajectory.append([w.copy() for w in y])
    return trajectory


@pytest.mark.parametrize("case", ["schedule_free", "schedule_free_args"])
def test_schedule_free_follows_keras_on_jax_and_differs_on_tensorflow_as_documented(case):
    """The reference is Keras 3 on JAX, the algorithm; Keras 3.15 on TensorFlow is the same
    but for its reading the momentum after its step (docs/compat.md)."""
    assert CASES[case]["backend"] == "jax"
    for momentum_after, prefix in ((False, case), (True, f"{case}/tensorflow")):
        for step, weights in enumerate(schedule_free_reference(case, momentum_after)):
            for weight, name in zip(weights, ("kernel", "bias")):
                np.testing.assert_allclose(weight, ARRAYS[f"{prefix}/{name}"][step], rtol=0,
                                           atol=TOLERANCE, err_msg=f"{prefix} {step}")
    assert np.abs(ARRAYS[f"{case}/kernel"] - ARRAYS[f"{case}/tensorflow/kernel"]).max() > 1e-4


def test_muon_steps_embeddings_excluded_layers_and_non_matrices_with_adam():
    """Muon's rule for which variables take Adam's step (and so have a velocity slot)."""
    shapes = {"dense/kernel": (4, 3), "dense/bias": (3,), "embedding/embeddings": (10, 4),
              "token_Embedding/kernel": (4, 4), "head/kernel": (3, 2), "conv/kernel": (3, 3, 2)}
    variables = [Variable(np.zeros(shape, "float32"), name=path.split("/")[1], path=path)
                 for path, shape in shapes.items()]

    def adam_paths(**kwargs):
        optimizer = optimizers.Muon(**kwargs)
        optimizer.build(variables)
        return [path for path, velocity in zip(shapes, optimizer.adam_velocities) if velocity]

    assert adam_paths() == ["dense/bias", "embedding/embeddings", "token_Embedding/kernel",
                            "conv/kernel"]
    assert adam_paths(exclude_embeddings=False, exclude_layers=["^he"]) == [
        "dense/bias", "head/kernel", "conv/kernel"]


@pytest.mark.parametrize("case", list(CASES))
def test_updates_allocate_nothing_parameter_sized(case):
    variables = [
        Variable(np.full((256, 256), 0.5, "float32"), name="kernel", path="big/kernel"),
        Variable(np.full((256,), 0.5, "float32"), name="bias", path="big/bias"),
    ]
    grads = [np.full(variable.shape, 0.25, "float32") for variable in variables]
    optimizer = make(case)
    optimizer.apply(grads, variables)  # builds: slots and scratch arrays are made here
    tracemalloc.start()
    optimizer.apply(grads, variables)
    optimizer.apply(grads, variables)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < variables[0].value.nbytes / 4, f"{case}: {peak} bytes allocated by a step"


@pytest.mark.parametrize("case", list(CASES))
def test_an_update_split_over_two_threads_gives_the_same_numbers(case, monkeypatch):
    from minikeras.optimizers import base

    rng = np.random.default_rng(0)
    shapes = [(600, 300), (300,), (300, 400), (400,), (400, 10)]  # 306k elements
    start = [rng.standard_normal(shape).astype("float32") for shape in shapes]
    steps = [[rng.standard_normal(shape).astype("float32") for shape in shapes] for _ in range(3)]
    monkeypatch.setattr(backend, "_blas_threads", 2)  # as in a fit given two threads
    split_ways = []
    monkeypatch.setattr(base._SplitTrial, "next_is_split", lambda self: True)
    monkeypatch.setattr(base._SplitTrial, "record",
                        lambda self, split, seconds: split_ways.append(split))
    results = []
    for min_size in (base.SPLIT_MIN_SIZE, 10**12):  # split, then serial
        monkeypatch.setattr(base, "SPLIT_MIN_SIZE", min_size)
        variables = [Variable(v.copy(), name=f"w{i}", path=f"w{i}") for i, v in enumerate(start)]
        optimizer = make(case)
        for grads in steps:
            optimizer.apply([g.copy() for g in grads], variables)
        results.append([v.value.copy() for v in variables])
    assert split_ways and all(split_ways)  # the first run did split
    for split, serial in zip(*results):
        np.testing.assert_array_equal(split, serial)


def test_the_split_is_kept_only_where_it_measured_faster(monkeypatch):
    from minikeras.optimizers import base

    monkeypatch.setattr(backend, "_blas_threads", 2)
    for split_seconds, kept in ((0.5, True), (0.95, False), (2.0, False)):
        trial = base._SplitTrial()
        for _ in range(base.TRIALS):
            for _ in range(2):
                split = trial.next_is_split()
                trial.record(split, split_seconds if split else 1.0)
        assert trial.decided is kept
        assert trial.next_is_split() is kept
    monkeypatch.setattr(backend, "_blas_threads", 1)  # a new thread count: measured again
    assert trial.decided is False and trial.next_is_split() is True and trial.decided is None


def test_user_update_rules_are_never_split(monkeypatch):
    from minikeras.optimizers import base

    class Mine(optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            super().update_step(gradient, variable, learning_rate)

    monkeypatch.setattr(backend, "_blas_threads", 2)
    big = [Variable(np.zeros((600, 600), "float32"), name="w", path="w"),
           Variable(np.zeros((600, 600), "float32"), name="v", path="v")]
    sgd, mine = optimizers.SGD(), Mine()
    assert base._other_threads_share(sgd, [(sgd, None, variable) for variable in big]) == {0}
    assert base._other_threads_share(mine, [(mine, None, variable) for variable in big]) is None
    monkeypatch.setattr(backend, "_blas_threads", 1)
    assert base._other_threads_share(sgd, [(sgd, None, variable) for variable in big]) is None


@pytest.mark.parametrize("case", ["k2_sgd_decay", "k2_adam_decay"])
def test_keras2_decay_follows_keras2(case):
    spec = REFERENCE["k2_decay_cases"][case]
    with pytest.warns(UserWarning, match="`decay`"):
        optimizer = getattr(optimizers, spec["class_name"])(**spec["kwargs"])
    variables = model_variables()
    for step in range(STEPS):
        optimizer.apply_gradients(zip(gradients(step), variables))
        for variable, name in zip(variables, ("kernel", "bias")):
            expected = ARRAYS[f"{case}/{name}"][step]
            np.testing.assert_allclose(variable.value, expected, rtol=0, atol=TOLERANCE)
    assert optimizer.get_config()["decay"] == spec["kwargs"]["decay"]


def test_nadam_ignores_keras2_decay_as_keras3_does():
    with pytest.warns(UserWarning, match="Argument `decay` is no longer supported"):
        optimizer = optimizers.Nadam(decay=0.004)
    assert "decay" not in optimizer.get_config()


def test_ema_finalize_copies_the_averages_into_the_weights():
    optimizer = make("adam_ema")
    variables = model_variables()
    for step in range(STEPS):
        optimizer.apply_gradients(zip(gradients(step), variables))
    averages = [v for v in optimizer.variables if v.name.endswith("_average")]
    assert [a.name for a in averages] == ["dense_kernel_average", "dense_bias_average"]
    assert not np.allclose(variables[0].value, averages[0].value)
    optimizer.finalize_variable_values(variables)
    for variable, average in zip(variables, averages):
        np.testing.assert_array_equal(variable.value, average.value)


def test_gradient_accumulation_counts_accumulated_iterations():
    optimizer = make("sgd_accumulation")
    variables = model_variables()
    for step in range(STEPS):
        optimizer.apply_gradients(zip(gradients(step), variables))
    assert int(optimizer.iterations) == STEPS // 2
    assert int(optimizer.variables[0]) == STEPS


def test_excluded_variables_get_no_weight_decay():
    decayed, plain = optimizers.AdamW(weight_decay=0.5), optimizers.Adam()
    decayed.exclude_from_weight_decay(var_names=["bias"])
    pairs = [model_variables(), model_variables()]
    for step in range(STEPS):
        for optimizer, variables in zip((decayed, plain), pairs):
            optimizer.apply_gradients(zip(gradients(step), variables))
    np.testing.assert_array_equal(pairs[0][1].value, pairs[1][1].value)
    assert not np.allclose(pairs[0][0].value, pairs[1][0].value)


def test_constraints_apply_after_the_update():
    variables = model_variables()
    variables[0].constraint = lambda w: np.clip(w, -0.1, 0.1)
    optimizers.SGD(learning_rate=0.5).apply_gradients(zip(gradients(0), variables))
    assert np.abs(variables[0].value).max() == np.float32(0.1)
    assert np.abs(variables[1].value).max() > 0.1


# ----------------------------------------------------------------------------------------------
# State, names, configs


@pytest.mark.parametrize("case", list(CASES))
def test_variables_have_keras_names_and_order(case):
    optimizer = make(case)
    optimizer.build(model_variables())
    found = [
        {"name": v.name, "path": own_path(v.path, optimizer.name), "shape": list(v.shape),
         "dtype": v.dtype}
        for v in optimizer.variables
    ]
    # Nadam's unnamed scalar is auto-named "variable", "variable_1", ... per session.
    expected = CASES[case]["variables"]
    for entry in found + expected:
        if entry["name"].startswith("variable"):
            entry["name"] = entry["path"] = "variable"
    assert found == expected
    # All under the optimizer's name but Adafactor's placeholders of rank < 2 variables.
    outside = [v for v in optimizer.variables if not v.path.startswith(optimizer.name + "/")]
    assert all(v.dtype == "int32" and v.path in ("dense/kernel", "dense/bias")
               or v.path in ("kernel", "bias") for v in outside)
    assert not outside or CASES[case]["class_name"] == "Adafactor"
    assert optimizer.iterations is optimizer.variables[0] or optimizer.gradient_accumulation_steps


@pytest.mark.parametrize("case", list(CASES))
def test_config_matches_keras(case):
    optimizer = make(case)
    config, expected = optimizer.get_config(), CASES[case]["config"]
    assert list(config) == list(expected)
    assert without_name(config) == without_name(expected)
    serialized, expected = optimizers.serialize(optimizer), CASES[case]["serialized"]
    assert {**serialized, "config": None} == {**expected, "config": None}


@pytest.mark.parametrize("case", list(CASES))
def test_config_round_trip(case):
    optimizer = make(case)
    clone = type(optimizer).from_config(optimizer.get_config())
    assert clone.get_config() == optimizer.get_config()
    clone = optimizers.deserialize(json.loads(json.dumps(optimizers.serialize(optimizer))))
    assert type(clone) is type(optimizer) and clone.get_config() == optimizer.get_config()


def test_auto_names_are_keras_names():
    backend.clear_session()
    names = [[cls, getattr(optimizers, cls)().name] for cls, _ in REFERENCE["auto_names"]]
    assert names == REFERENCE["auto_names"]
    nadams = [optimizers.Nadam(), optimizers.Nadam()]
    for nadam in nadams:
        nadam.build(model_variables())
    assert [n.variables[-1].path for n in nadams] == ["nadam/variable", "nadam_1/variable_1"]


@pytest.mark.parametrize("name", list(REFERENCE["signatures"]))
def test_signatures_match_keras(name):
    assert str(inspect.signature(getattr(optimizers, name))) == REFERENCE["signatures"][name]


@pytest.mark.parametrize("name", list(REFERENCE["k2_configs"]))
def test_reads_keras2_configs(name, recwarn):
    k2_config = REFERENCE["k2_configs"][name]
    class_name = name.split("_")[-1]
    # Keras 2 .h5 files write built-in optimizers as "Custom>Adam".
    optimizer = optimizers.get({"class_name": f"Custom>{class_name}", "config": dict(k2_config)})
    assert type(optimizer) is getattr(optimizers, class_name)
    config = optimizer.get_config()
    for key in set(config) & set(k2_config) - {"learning_rate"}:
        assert config[key] == k2_config[key], key
    expected_rate = k2_config["learning_rate"]
    if isinstance(expected_rate, dict):
        assert isinstance(optimizer._learning_rate, schedules.ExponentialDecay)
    else:
        assert config["learning_rate"] == float(np.float32(expected_rate))
    # Only Keras 2's Nadam `decay` (its momentum schedule) is worth a warning.
    assert len(recwarn) == (name == "legacy_Nadam")


# ----------------------------------------------------------------------------------------------
# Learning rate


def test_learning_rate_is_settable_in_place():
    optimizer = optimizers.SGD(learning_rate=0.1)
    variable = optimizer.learning_rate
    assert variable is optimizer.variables[1] and float(variable) == np.float32(0.1)
    optimizer.learning_rate = 0.25
    assert optimizer.learning_rate is variable and float(variable) == 0.25
    optimizer.lr = 0.5  # Keras 2 spelling
    assert float(optimizer.lr) == 0.5
    weights = model_variables()
    grads = gradients(0)
    expected = weights[0].value - np.float32(0.5) * grads[0]
    optimizer.apply_gradients(zip(grads, weights))
    np.testing.assert_allclose(weights[0].value, expected, atol=1e-7)
    assert optimizer.get_config()["learning_rate"] == 0.5


def test_schedule_is_evaluated_at_the_current_iteration():
    schedule = schedules.ExponentialDecay(0.1, 2, 0.5)
    optimizer = optimizers.SGD(learning_rate=schedule)
    assert [v.name for v in optimizer.variables] == ["iteration"]
    weights = model_variables()
    for step in range(3):
        assert optimizer.learning_rate == schedule(step)
        before, grads = weights[1].value.copy(), gradients(step)
        optimizer.apply_gradients(zip(grads, weights))
        np.testing.assert_allclose(weights[1].value, before - schedule(step) * grads[1], atol=1e-7)


def test_setting_a_schedule_untracks_the_learning_rate_variable():
    optimizer = optimizers.Adam()
    optimizer.learning_rate = schedules.ExponentialDecay(0.1, 10, 0.5)
    assert [v.name for v in optimizer.variables] == ["iteration"]
    assert optimizer.learning_rate == np.float32(0.1)


def test_callable_learning_rate():
    optimizer = optimizers.SGD(learning_rate=lambda: 0.5)
    weights = model_variables()
    grads = gradients(0)
    expected = weights[1].value - np.float32(0.5) * grads[1]
    optimizer.apply_gradients(zip(grads, weights))
    np.testing.assert_allclose(weights[1].value, expected, atol=1e-7)


def test_lr_keyword_is_learning_rate_with_a_warning():
    with pytest.warns(UserWarning, match="`lr` argument is deprecated"):
        optimizer = optimizers.Adam(lr=0.5)
    assert optimizer.get_config()["learning_rate"] == 0.5


def test_keras2_config_with_lr_loads_silently():
    config = {"name": "Adam", "lr": 0.5, "decay": 0.0, "beta_1": 0.8}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer = optimizers.deserialize({"class_name": "Adam", "config": config})
    assert optimizer.get_config()["learning_rate"] == 0.5 and optimizer.beta_1 == 0.8


def test_keras2_only_arguments_are_dropped_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizer = optimizers.Adam(jit_compile=True, is_legacy_optimizer=False, decay=0.0)
    assert "jit_compile" not in optimizer.get_config() and "decay" not in optimizer.get_config()


# ----------------------------------------------------------------------------------------------
# Schedules


@pytest.mark.parametrize("name", list(REFERENCE["schedules"]))
def test_schedule_values_match_keras(name):
    serialized = REFERENCE["schedules"][name]
    schedule = schedules.deserialize(serialized)
    values = np.array([schedule(step) for step in range(len(ARRAYS[f"schedule/{name}"]))])
    assert values.dtype == np.float32
    np.testing.assert_allclose(values, ARRAYS[f"schedule/{name}"], rtol=1e-6, atol=1e-9)
    assert schedules.serialize(schedule) == serialized
    assert type(schedule).from_config(schedule.get_config()).get_config() == schedule.get_config()


# ----------------------------------------------------------------------------------------------
# Lookup and errors


@pytest.mark.parametrize(
    "identifier, cls",
    [("adam", "Adam"), ("RmsProp", "RMSprop"), ("sgd", "SGD"), ("ADAMW", "AdamW"),
     ("adagrad", "Adagrad"), ("adadelta", "Adadelta"), ("adamax", "Adamax"), ("nadam", "Nadam"),
     ("ftrl", "Ftrl"), ("lion", "Lion"), ("lamb", "Lamb"), ("adafactor", "Adafactor"),
     ("muon", "Muon"), ("ScheduleFreeAdamW", "ScheduleFreeAdamW")],
)
def test_get_by_name(identifier, cls):
    assert type(optimizers.get(identifier)) is getattr(optimizers, cls)


def test_get_passes_instances_and_none_through():
    optimizer = optimizers.SGD()
    assert optimizers.get(optimizer) is optimizer
    assert optimizers.get(None) is None
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(optimizers.Adam)


@pytest.mark.parametrize("expression, error, message", REFERENCE["errors"])
def test_errors_match_keras(expression, error, message):
    with pytest.raises(Exception) as info:
        eval(expression, {"O": optimizers, "S": schedules})
    assert (type(info.value).__name__, str(info.value)) == (error, message)


def test_missing_gradients():
    optimizer = optimizers.SGD()
    variables = model_variables()
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['dense/bias'\]"):
        optimizer.apply_gradients(zip([gradients(0)[0], None], variables))
    with pytest.raises(ValueError, match="No gradients provided for any variable."):
        optimizer.apply_gradients(zip([None, None], variables))
    with pytest.raises(ValueError, match="Unknown variable"):
        optimizer.apply_gradients([(gradients(0)[1], Variable(np.zeros(3, "float32"), name="other"))])


@pytest.mark.parametrize("kind", ["float64", "tensor", "variable", "list", "tuple of pairs"])
def test_gradients_needing_a_conversion_update_as_their_float32_arrays(kind):
    """`apply` takes each gradient as it is when it is an ndarray of its variable's dtype
    (checked in C), else converts it: the update is that of the converted arrays."""
    from minikeras.core.tensor import as_tensor

    def run(convert):
        optimizer, variables = optimizers.Adam(learning_rate=0.01), model_variables()
        for step in range(3):
            grads = gradients(step)
            if convert is None:
                optimizer.apply(grads, variables)
            elif kind == "tuple of pairs":
                optimizer.apply_gradients(zip(grads, variables))
            else:
                optimizer.apply([convert(g) for g in grads], variables)
        return [v.value.copy() for v in variables + optimizer.variables]

    convert = {"float64": lambda g: g.astype("float64"), "tensor": as_tensor,
               "variable": lambda g: Variable(g.copy()), "list": lambda g: g.tolist(),
               "tuple of pairs": None}[kind]
    expected = run(None)
    for got, want in zip(run(convert or (lambda g: g)), expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_more_variables_than_gradients_updates_those_paired_only():
    """`apply` pairs gradients and variables as `zip` does: a variable without a gradient is
    neither updated nor constrained (the check that nothing is to be dropped sees lengths)."""
    from minikeras import constraints

    kernel, bias = model_variables()
    bias.constraint = constraints.NonNeg()
    before = bias.value.copy()
    bias.value -= 1.0  # negative: the constraint would change it
    shifted = bias.value.copy()
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        optimizers.SGD(0.1).apply([np.ones_like(kernel.value)], [kernel, bias])
    np.testing.assert_array_equal(bias.value, shifted)
    assert not np.array_equal(shifted, before)
