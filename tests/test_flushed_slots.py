"""Optimizer updates flush float32 subnormals to zero, as Keras 3 on TensorFlow (and on JAX)
computes them, and leave the caller's arithmetic IEEE.

The reference numbers come from Keras 3 on TensorFlow (compat/make_flushed_slots.py ->
compat/data/flushed_slots.{json,npz}): slots whose gradient goes to 0, or to values whose
square is subnormal, sink where IEEE arithmetic (Keras' numpy backend) leaves subnormals and
TensorFlow's flush-to-zero leaves zeros.
"""

import json
import pathlib
import threading

import numpy as np
import pytest

from minikeras import Input, Sequential, layers, optimizers
from minikeras.core import subnormals
from minikeras.layers.base import Variable
from minikeras.optimizers import base

DATA = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data"
REFERENCE = json.loads((DATA / "flushed_slots.json").read_text())
with np.load(DATA / "flushed_slots.npz") as _file:
    ARRAYS = dict(_file)
F32 = np.float32
SMALLEST, TINY = np.finfo(F32).smallest_subnormal, np.finfo(F32).tiny

hardware = pytest.mark.skipif(not subnormals.hardware(), reason="the CPU's modes are not used")


def subnormal_count(array):
    array = np.asarray(array)
    if array.dtype.kind != "f":
        return 0
    return int(np.count_nonzero((array != 0) & (np.abs(array) < np.finfo(array.dtype).tiny)))


def ieee_product_is_subnormal():
    """Whether this thread multiplies float32 as IEEE does (a subnormal operand and result)."""
    return np.multiply(np.array([SMALLEST * 4, TINY], F32), F32(0.5)).all()


def run_apply(case):
    class_name, kwargs = REFERENCE["apply_cases"][case]
    variable = Variable(ARRAYS["initial/weight"].copy(), name="weight", path="weight")
    optimizer = getattr(optimizers, class_name)(**kwargs)
    trajectory = []
    for step in range(REFERENCE["steps"]):
        gradient = ARRAYS["gradients/first" if step == 0 else "gradients/later"]
        optimizer.apply_gradients([(gradient.copy(), variable)])
        if (step + 1) % REFERENCE["every"] == 0:
            trajectory.append(variable.value.copy())
    return np.stack(trajectory), [v.value for v in optimizer.variables]


def run_fit(case):
    class_name, kwargs = REFERENCE["fit_cases"][case]
    shape = REFERENCE["fit"]
    model = Sequential([Input((shape["features"],)), layers.Dense(16, "relu"), layers.Dense(3)])
    model.set_weights([ARRAYS[f"fit/initial{i}"] for i in range(4)])
    model.compile(getattr(optimizers, class_name)(**kwargs), "mse")
    model.fit(ARRAYS["fit/x"], ARRAYS["fit/y"], batch_size=shape["batch"],
              epochs=shape["epochs"], shuffle=False, verbose=0)
    return model.get_weights(), [v.value for v in model.optimizer.variables]


def assert_zeros_where_tensorflow_has_them(mine, theirs, what):
    assert subnormal_count(mine) == 0, f"{what}: subnormals stored"
    np.testing.assert_array_equal(mine == 0, theirs == 0, err_msg=f"{what}: zero lanes")


def test_every_case_sinks_into_subnormals_under_ieee_arithmetic():
    # The cases test something: Keras' numpy backend (IEEE) stores subnormals in each.
    summary = REFERENCE["summary"]
    for case in REFERENCE["apply_cases"]:
        assert any(row["numpy_subnormals"] for key, row in summary.items()
                   if key.startswith(f"apply/{case}/")), case
    assert not any(row["tensorflow_subnormals"] or row["jax_subnormals"]
                   for row in summary.values())


@hardware
@pytest.mark.parametrize("case", list(REFERENCE["apply_cases"]))
def test_slots_and_weights_are_tensorflows(case):
    trajectory, variables = run_apply(case)
    want = ARRAYS[f"tensorflow/apply/{case}/weights"]
    np.testing.assert_allclose(trajectory, want, rtol=1e-6, atol=0, equal_nan=True,
                               err_msg=f"{case}: weights")
    assert_zeros_where_tensorflow_has_them(trajectory, want, f"{case}: weights")
    for index, value in enumerate(variables):
        want = ARRAYS[f"tensorflow/apply/{case}/var{index}"]
        np.testing.assert_array_equal(np.asarray(value, want.dtype), want,
                                      err_msg=f"{case}: optimizer variable {index}")


@hardware
@pytest.mark.parametrize("case", list(REFERENCE["fit_cases"]))
def test_fit_stores_tensorflows_zeros_where_ieee_leaves_subnormals(case, monkeypatch):
    weights, variables = run_fit(case)
    for index, weight in enumerate(weights):  # the products round differently: not bit for bit
        want = ARRAYS[f"tensorflow/fit/{case}/weight{index}"]
        np.testing.assert_allclose(weight, want, rtol=1e-4, atol=1e-6)
        assert_zeros_where_tensorflow_has_them(weight, want, f"{case}: weight {index}")
    for index, value in enumerate(variables):
        want = ARRAYS[f"tensorflow/fit/{case}/var{index}"]
        np.testing.assert_allclose(value, want, rtol=1e-3, atol=1e-7)
        assert_zeros_where_tensorflow_has_them(value, want, f"{case}: optimizer variable {index}")
    monkeypatch.setattr(subnormals, "flush_to_zero", lambda: None)  # IEEE arithmetic throughout
    monkeypatch.setattr(subnormals, "restore", lambda saved, written=None: None)
    assert sum(subnormal_count(value) for value in run_fit(case)[1]) > 0


@pytest.mark.parametrize("case", ["rmsprop", "sgd_momentum"])
def test_without_the_modes_decaying_slots_are_zeroed_as_the_modes_zero_them(case, monkeypatch):
    if subnormals.hardware():
        with_modes = run_fit(case)
    monkeypatch.setattr(subnormals, "_modes", False)  # the fallback: IEEE, then zeroed
    without = run_fit(case)
    for value in [*without[0], *without[1]]:
        assert subnormal_count(value) == 0
    if subnormals.hardware():
        for mine, theirs in zip([*without[0], *without[1]], [*with_modes[0], *with_modes[1]]):
            np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("case", list(REFERENCE["apply_cases"]))
def test_without_the_modes_no_subnormal_is_stored(case, monkeypatch):
    monkeypatch.setattr(subnormals, "_modes", False)
    trajectory, variables = run_apply(case)
    assert subnormal_count(trajectory[-1]) == 0
    assert all(subnormal_count(value) == 0 for value in variables)


@hardware
def test_packed_and_per_variable_updates_give_the_same_flushed_bits(monkeypatch):
    from minikeras.optimizers import packing

    results = []
    for enabled in (True, False):
        monkeypatch.setattr(packing, "ENABLED", enabled)
        results.append(run_fit("rmsprop"))
    for packed, per_variable in zip([*results[0][0], *results[0][1]],
                                    [*results[1][0], *results[1][1]]):
        np.testing.assert_array_equal(packed, per_variable)


# ----------------------------------------------------------------------------------------------
# The caller's arithmetic stays IEEE


def test_apply_and_fit_leave_the_calling_threads_arithmetic_ieee():
    assert ieee_product_is_subnormal()
    run_apply("rmsprop")
    assert ieee_product_is_subnormal()
    run_fit("adam")
    assert ieee_product_is_subnormal()


class Failing(optimizers.SGD):
    def update_step(self, gradient, variable, learning_rate):
        assert not ieee_product_is_subnormal() or not subnormals.hardware()  # inside: flushed
        raise RuntimeError("inside the update")


def test_an_exception_inside_the_update_restores_ieee_arithmetic():
    variable = Variable(np.ones(4, F32), name="w", path="w")
    with pytest.raises(RuntimeError, match="inside the update"):
        Failing().apply([np.ones(4, F32)], [variable])
    assert ieee_product_is_subnormal()
    optimizer = optimizers.RMSprop()
    optimizer.apply([np.ones(4, F32)], [variable])
    with pytest.raises(ValueError):  # a gradient that does not broadcast: numpy raises inside
        optimizer.apply([np.ones(3, F32)], [variable])
    assert ieee_product_is_subnormal()


@hardware
def test_the_thread_a_split_update_runs_in_flushes_and_is_restored(monkeypatch):
    from minikeras import backend

    monkeypatch.setattr(backend, "_blas_threads", 2)
    monkeypatch.setattr(base, "SPLIT_MIN_SIZE", 1)
    monkeypatch.setattr(base._SplitTrial, "next_is_split", lambda self: True)
    seen = []

    class Probing(optimizers.SGD):
        def update_step(self, gradient, variable, learning_rate):
            seen.append((threading.get_ident(), ieee_product_is_subnormal()))
            super().update_step(gradient, variable, learning_rate)

    monkeypatch.setattr(base, "_built_in_rule", lambda cls: True)
    variables = [Variable(np.ones(8, F32), name=f"w{i}", path=f"w{i}") for i in range(2)]
    Probing().apply([np.ones(8, F32)] * 2, variables)
    assert len({thread for thread, _ in seen}) == 2  # both threads updated
    assert not any(ieee for _, ieee in seen)  # and both flushed
    assert base._update_worker().submit(ieee_product_is_subnormal).result()
    assert ieee_product_is_subnormal()


# ----------------------------------------------------------------------------------------------
# core/subnormals


@hardware
def test_the_scope_flushes_operands_and_results_and_nests():
    with subnormals.flushed():
        assert not ieee_product_is_subnormal()
        assert np.add(np.array([SMALLEST], F32), F32(0))[0] == 0  # denormals are zero
        with subnormals.flushed():
            assert not ieee_product_is_subnormal()
        assert not ieee_product_is_subnormal()  # the outer scope's again
    assert ieee_product_is_subnormal()


def test_the_scope_is_per_thread():
    inside, outside = threading.Event(), threading.Event()
    other = []

    def elsewhere():
        inside.wait()
        other.append(ieee_product_is_subnormal())
        outside.set()

    thread = threading.Thread(target=elsewhere)
    thread.start()
    with subnormals.flushed():
        inside.set()
        outside.wait()
    thread.join()
    assert other == [True]


def test_the_fallback_zeroes_written_subnormals_keeping_their_sign(monkeypatch):
    monkeypatch.setattr(subnormals, "_modes", False)
    arrays = [np.array([SMALLEST, -SMALLEST, -TINY / 2, TINY, 1.0, -0.0, np.inf, np.nan], F32),
              np.array([5e-324, 1e-300, -2e-310], np.float64),
              np.array([6e-8, 1.0], np.float16), np.array([3, -1]), np.array(-1e-310),
              np.array([[SMALLEST, 2.0], [-TINY / 4, -TINY]], F32)[:, ::-1]]  # 0-d, strided
    originals = [a.copy() for a in arrays]
    with subnormals.flushed(lambda: arrays):
        assert ieee_product_is_subnormal()  # no modes: IEEE inside
    for array, original in zip(arrays, originals):  # float16 is kept, as the modes keep it
        flushed_dtype = array.dtype in (np.float32, np.float64)
        tiny = np.finfo(array.dtype).tiny if flushed_dtype else 0
        small = np.abs(original) < tiny
        np.testing.assert_array_equal(array[~small], original[~small])
        assert not array[small].any()
        np.testing.assert_array_equal(np.signbit(array), np.signbit(original))


@pytest.mark.parametrize("layout, word, flush_bit, rounding", [
    (subnormals._X86_64, 7, 0x8040, 0x6000), (subnormals._AARCH64, 0, 1 << 24, 3 << 22)])
def test_the_environment_set_inside_the_scope_for_each_layout(layout, word, flush_bit, rounding):
    import ctypes

    size = layout[0] // 4
    register = list(range(0x3F, 0x3F + size))  # flags set in every word, round "up" (x86)
    register[word] |= rounding
    before = list(register)

    class FakeLibm:  # glibc's fegetenv/fesetenv over `register`
        @staticmethod
        def fegetenv(environment):
            environment[:] = register
            return 0

        @staticmethod
        def fesetenv(environment):
            register[:] = environment[:]
            return 0

    modes = subnormals._Modes(ctypes, FakeLibm, layout)
    saved = modes.enter()
    assert register[word] & flush_bit == flush_bit
    assert register[word] & rounding == 0  # to nearest
    assert register[1] & 0x3F == 0  # no exception flag (x87 status, aarch64 FPSR)
    modes.set(saved)
    assert register == before


def test_nothing_looks_for_the_modes_before_the_first_update():
    import os
    import subprocess
    import sys

    import minikeras

    code = ("import minikeras; from minikeras.core import subnormals; "
            "m = minikeras.Sequential([minikeras.Input((2,)), minikeras.layers.Dense(1)]); "
            "m.compile('adam', 'mse'); m.predict(minikeras.ops.ones((1, 2)), verbose=0); "
            "print(subnormals._modes is None)")
    source = str(pathlib.Path(minikeras.__file__).parent.parent)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": source}).stdout
    assert out.split() == ["True"]
