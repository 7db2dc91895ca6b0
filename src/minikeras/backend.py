"""Process-wide settings: float type, epsilon, layer-name counters and the random generator.

Keras keeps these in `keras.config` / `keras.backend`; minikeras keeps them here, in one place,
so that `set_random_seed` and `clear_session` reach everything that depends on them.
"""

import contextlib
import gc
import os
import random
import re
import threading

import numpy as np

from minikeras.core import dtype_lattice, global_state
from minikeras.utils import cpu_budget

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_name_counters = {}
_rng = np.random.default_rng()


def floatx():
    """The default float type, as a string (`"float32"`)."""
    return _FLOATX


def set_floatx(value):
    """Set the default float type: one of `"float16"`, `"float32"`, `"float64"`."""
    global _FLOATX
    if value == "bfloat16":  # Keras takes it; numpy has no such type
        raise ValueError(
            "`floatx` 'bfloat16' is not available: numpy has no bfloat16. Expected one of "
            "{'float16', 'float32', 'float64'}"
        )
    if value not in ("float16", "float32", "float64"):
        raise ValueError(
            f"Unknown `floatx` value: {value}. Expected one of "
            "{'float16', 'float32', 'float64', 'bfloat16'}"
        )
    _FLOATX = str(value)


def epsilon():
    """The fuzz factor used to keep divisions and logarithms finite (default 1e-7)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    _IMAGE_DATA_FORMAT = _checked_data_format(data_format)


def standardize_data_format(data_format):
    """`data_format` checked ("channels_first" or "channels_last", any case), or by default
    `image_data_format()`: what layers with a `data_format` argument keep."""
    if data_format is None:
        return image_data_format()
    return _checked_data_format(data_format)


def _checked_data_format(data_format):
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    return data_format


def backend():
    """The name of the compute backend: always `"numpy"`."""
    return "numpy"


def set_backend(backend):
    """Keras 3 reloads itself on `backend` (it sets `KERAS_BACKEND` and re-imports). minikeras
    has one backend: the variable is set as Keras sets it, for the processes this one starts,
    and computation stays numpy's (`backend()` says so)."""
    os.environ["KERAS_BACKEND"] = backend


def to_snake_case(name):
    """`BatchNormalization` -> `batch_normalization`, `ReLU` -> `re_lu` (Keras' rule)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix):
    """`prefix`, then `prefix_1`, `prefix_2`, ...: one counter per prefix, per process."""
    count = _name_counters.get(prefix, 0)
    _name_counters[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def get_uid(prefix=""):
    """Keras' counter: 1 for the first call with a prefix, then 2, 3, ..."""
    count = _name_counters.get(prefix, 0) + 1
    _name_counters[prefix] = count
    return count


def clear_session(free_memory=True):
    """Reset the automatic layer names (`dense`, `dense_1`, ... start again) and the generator
    behind `keras.random`'s unseeded draws."""
    _name_counters.clear()
    global_state.clear()
    if free_memory:
        gc.collect()


# Debugging caps on every `fit` (Keras 3's `KERAS_MAX_EPOCHS` and `KERAS_MAX_STEPS_PER_EPOCH`):
# a script's whole run in a few steps, without editing it.
_max_epochs = int(os.environ["KERAS_MAX_EPOCHS"]) if "KERAS_MAX_EPOCHS" in os.environ else None
_max_steps_per_epoch = (int(os.environ["KERAS_MAX_STEPS_PER_EPOCH"])
                        if "KERAS_MAX_STEPS_PER_EPOCH" in os.environ else None)


def set_max_epochs(max_epochs):
    """Cap the epochs of every `fit` (None: no cap), for quick debugging runs."""
    global _max_epochs
    _max_epochs = max_epochs


def max_epochs():
    return _max_epochs


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap the steps of every epoch of `fit`, and of `evaluate` and `predict` (None: no cap)."""
    global _max_steps_per_epoch
    _max_steps_per_epoch = max_steps_per_epoch


def max_steps_per_epoch():
    return _max_steps_per_epoch


def enable_interactive_logging():
    """Progress bars and messages go to stdout (the default)."""
    global_state.set(global_state.INTERACTIVE_LOGGING, True)


def disable_interactive_logging():
    """Progress bars and messages go to Python's `logging` (logger `minikeras`, level INFO)
    instead of stdout, as Keras sends them to absl's log."""
    global_state.set(global_state.INTERACTIVE_LOGGING, False)


def is_interactive_logging_enabled():
    return global_state.get(global_state.INTERACTIVE_LOGGING, True)


def enable_traceback_filtering():
    """Recorded for Keras' API; minikeras' tracebacks have no backend frames to filter."""
    global_state.set(global_state.TRACEBACK_FILTERING, True)


def disable_traceback_filtering():
    global_state.set(global_state.TRACEBACK_FILTERING, False)


def is_traceback_filtering_enabled():
    return global_state.get(global_state.TRACEBACK_FILTERING, True)


def enable_flash_attention():
    """Recorded for Keras' API. As in Keras 3, "enabled" is the default, stored as None: an
    attention layer uses flash attention only when its own `flash_attention` says so."""
    global_state.set(global_state.FLASH_ATTENTION, None)


def disable_flash_attention():
    global_state.set(global_state.FLASH_ATTENTION, False)


def is_flash_attention_enabled():
    """False once disabled, else None (Keras 3's "enabled": let each layer decide)."""
    return global_state.get(global_state.FLASH_ATTENTION, None)


def is_nnx_enabled():
    """Whether Flax NNX is in use: a JAX backend feature, never on minikeras."""
    return False


def dtype_policy():
    """The default `DTypePolicy` of layers made with `dtype=None` (see `minikeras.dtype_policies`)."""
    from minikeras import dtype_policies

    return dtype_policies.dtype_policy()


def set_dtype_policy(policy):
    from minikeras import dtype_policies

    dtype_policies.set_dtype_policy(policy)


def enable_unsafe_deserialization():
    """Accepted, and changes nothing: minikeras never runs code from a model file, in any mode
    (a Lambda layer's bytecode is refused whatever `safe_mode` says)."""


def rng():
    """The generator behind every unseeded random draw in minikeras (this thread's own inside
    `seeded`)."""
    return getattr(_thread_streams, "numpy", None) or _rng


def draw_seed():
    """A fresh seed for objects that fix theirs at construction (initializers, Dropout).

    Drawn from Python's `random`, as Keras 3 does, so that after `set_random_seed(s)` unseeded
    initializers give the very values Keras 3's numpy backend gives; inside `seeded`, from the
    same stream kept for this thread alone.
    """
    return (getattr(_thread_streams, "python", None) or random).randint(1, 10**9)


def numpy_random():
    """`np.random`, which shuffles `fit`'s batches as in Keras (this thread's own
    `RandomState` inside `seeded`)."""
    return getattr(_thread_streams, "legacy", None) or np.random


_thread_streams = threading.local()
_STREAMS = ("python", "numpy", "legacy")


@contextlib.contextmanager
def seeded(seed):
    """Run a block with every minikeras draw of this thread taken from streams seeded with
    `seed` and kept for it alone: the numbers `set_random_seed(seed)` gives when nothing else
    draws, whatever other threads do meanwhile. A Dask worker's event loop draws from Python's
    `random` at its own times (heartbeat jitter, work stealing), which moved the seeds of a
    seeded scikit-learn fit running beside it."""
    set_random_seed(seed)
    saved = [getattr(_thread_streams, name, None) for name in _STREAMS]
    fresh = random.Random(seed), np.random.default_rng(seed), np.random.RandomState(seed)
    for name, stream in zip(_STREAMS, fresh):
        setattr(_thread_streams, name, stream)
    try:
        yield
    finally:
        for name, stream in zip(_STREAMS, saved):
            setattr(_thread_streams, name, stream)


def set_random_seed(seed):
    """Seed Python's `random`, `np.random` and minikeras' generator, making later runs repeatable."""
    global _rng
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(
            "Expected `seed` argument to be an integer. "
            f"Received: seed={seed} (of type {type(seed)})"
        )
    random.seed(seed)
    np.random.seed(seed)
    _rng = np.random.default_rng(seed)
    global_state.set(global_state.SEED_GENERATOR, None)  # the next unseeded draw seeds a new one


def standardize_dtype(dtype):
    """A dtype as Keras names it (`"float32"`, `"int64"`), from a string, numpy dtype or None."""
    if dtype is None:
        return floatx()
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        dtype = dtype.get("config", {}).get("name", floatx())
    name = getattr(dtype, "name", dtype)
    if name in ("mixed_float16", "mixed_bfloat16"):
        return "float32"
    try:
        return np.dtype(name).name
    except TypeError:  # numpy's "data type 'bogus' not understood"; Keras' type and words
        raise ValueError(f"Invalid dtype: {dtype}") from None


def is_float_dtype(dtype):
    return np.issubdtype(np.dtype(standardize_dtype(dtype)), np.floating)


def is_int_dtype(dtype):
    return np.issubdtype(np.dtype(standardize_dtype(dtype)), np.integer)


# ----------------------------------------------------------------------------------------------
# Traced functions. TensorFlow runs a `tf.function`, a `tf.data` map function and Keras'
# compiled train, test and predict steps as graphs, and there Keras' image layers take integer
# images in their compute dtype (called eagerly they keep them integers). Code run where
# TensorFlow would trace a graph runs inside `traced_function()`, per thread.

class _TracedDepth:
    __slots__ = ("depth",)

    def __init__(self):
        self.depth = 0  # how many `traced_function()` blocks this thread is in


class _ThreadTraced(threading.local):
    # One thread-local read per block, then a plain attribute: each access to a thread-local
    # attribute costs about 560 CPU instructions, a set more (a one-row predict enters one).
    def __init__(self):
        self.state = _TracedDepth()


_traced = _ThreadTraced()


class traced_function:
    """Run the enclosed code as TensorFlow would run a traced graph (nested blocks count). A
    class rather than a generator: `predict` enters one per call, and this costs a tenth."""

    __slots__ = ("_state",)

    def __enter__(self):
        state = self._state = _traced.state
        state.depth += 1

    def __exit__(self, *exception):
        self._state.depth -= 1


def in_traced_function():
    """Whether this thread runs code TensorFlow would run as a graph (see `traced_function`)."""
    return _traced.state.depth > 0


# ----------------------------------------------------------------------------------------------
# BLAS threads. OpenBLAS on few cores is slower with two threads than one on skinny matrices
# (a small batch times a narrow layer), so training picks the count from the matrix sizes.
# threadpoolctl finds numpy's BLAS (OpenBLAS, MKL, BLIS, Accelerate, on any OS); its controller
# is made once and kept, and counts are set on its library controllers directly: a
# `threadpool_limits` context per call would cost far more than the products it tunes.

_blas = None  # numpy's BLAS controllers from threadpoolctl, () where there are none
_blas_threads = None  # what we last set, so that an unchanged count costs no call
_blas_budget = None  # the most threads minikeras asks for (see `blas_threads_for`)


def _blas_controllers():
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = tuple(ThreadpoolController().select(user_api="blas").lib_controllers)
    return _blas


def get_blas_threads():
    """The number of BLAS threads numpy uses now (None if unknown)."""
    controllers = _blas_controllers()
    return controllers[0].get_num_threads() if controllers else None


def set_blas_threads(count):
    """Set the number of BLAS threads; returns the previous count (None if unknown)."""
    global _blas_threads
    controllers = _blas_controllers()
    if not controllers or count is None:
        return None
    if _blas_threads is None:
        _thread_budget()  # read the count BLAS started with before the first change
        _blas_threads = get_blas_threads()
    previous = _blas_threads
    if count != previous:
        for controller in controllers:
            controller.set_num_threads(int(count))
        _blas_threads = int(count)
    return previous


@contextlib.contextmanager
def blas_threads(count):
    """Run a block with `count` BLAS threads (None: as they are), restoring the previous count
    after."""
    previous = set_blas_threads(count)
    try:
        yield
    finally:
        set_blas_threads(previous)


def blas_threads_for(batch_size, width):
    """Threads worth using for products of a `batch_size` x `width` activation: one for small
    products, where a second thread only costs; else one per CPU that is free now (threads
    that cannot all run wait on each other), within `_thread_budget()`."""
    if batch_size * width < 65536:
        return 1
    return threads_that_can_run()


def threads_that_can_run():
    """One thread per CPU that is free now, within `_thread_budget()`."""
    budget = _thread_budget()
    return budget if budget == 1 else cpu_budget.threads_that_can_run(budget, _cpus.free())


def _thread_budget():
    """The CPUs this process may run on (its affinity mask, its container's CPU quota), capped
    by the thread count BLAS started with (which honours `OPENBLAS_NUM_THREADS` and its kin,
    and a Dask worker's one thread): a user's limit is never raised."""
    global _blas_budget
    if _blas_budget is None:
        cpus = len(_cpus.cpus)
        if _cpus.quota is not None:
            cpus = min(cpus, max(1, int(_cpus.quota)))
        started = _blas_threads if _blas_threads is not None else get_blas_threads()
        _blas_budget = min(cpus, started or cpus)
    return _blas_budget


# Read once at import, so that the first `fit` already sees what other processes did since.
_cpus = cpu_budget.CpuBudget()


def result_type(*dtypes):
    """The dtype Keras 3 gives an op combining `dtypes` (dtype names, numpy dtypes, `None` for
    `floatx`, or Python's `int`, `float` and `bool`); see `core.dtype_lattice`."""
    if not dtypes:
        return floatx()
    names, weak = [], []
    for dtype in dtypes:
        weak.append(dtype is int or dtype is float)
        if dtype is None:
            dtype = floatx()
        name = {int: "int64", float: "float64", bool: "bool"}.get(dtype, None) \
            if isinstance(dtype, type) else getattr(dtype, "name", dtype)
        if not isinstance(name, str) or name.startswith("float8"):
            raise ValueError(
                "There is no implicit conversion of this dtype to others; cast it first. "
                f"Received: {dtypes}" if isinstance(name, str) else f"Invalid dtype: {dtype}")
        names.append(name)
    return dtype_lattice.result_type(tuple(names), tuple(weak), floatx())
