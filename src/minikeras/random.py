"""`keras.random`: random tensors, stateless given a seed, and `SeedGenerator` for streams.

The numbers are those of Keras 3's numpy backend, draw for draw: each call seeds a fresh
`np.random.default_rng` with a two-word uint32 seed, `[seed, 0]` for an integer `seed`, the
state of a `SeedGenerator` (whose second word then counts up) or, with `seed=None`, the next
state of one process-wide generator, itself seeded from Python's `random` when first used
(so `set_random_seed(s)` makes unseeded draws repeatable, and gives Keras' very values).
Keras 3 on JAX or TensorFlow draws other numbers for the same seeds: each backend has its own.

`dropout` is differentiable under a `GradientTape` (its mask is a constant); the others make
constants.
"""

import math

import numpy as np

from minikeras import backend, ops
from minikeras.core import global_state
from minikeras.core.variables import Variable

__all__ = [
    "SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal", "randint",
    "shuffle", "truncated_normal", "uniform",
]

_SEED_DTYPE = np.uint32  # Keras' numpy backend's `random_seed_dtype()`


class SeedGenerator:
    """A stream of seeds: each random function given it draws with its current state, then
    moves the state on, so successive calls give new numbers (repeatably, for a given `seed`).

    Args:
        seed: an integer, or None for one drawn from Python's `random`.
        name: by default `seed_generator`, `seed_generator_1`, ...
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)  # Keras' choice of backend: there is one here
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        self.name = name if name is not None else backend.unique_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = backend.draw_seed()
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self.state = Variable(np.array([seed, 0], dtype=_SEED_DTYPE), trainable=False,
                              name="seed_generator_state")

    def next(self, ordered=True):
        """The current state (a copy), after which the state moves on: its counter word by
        one, or (`ordered=False`, the process-wide generator's way) both words scrambled."""
        current = self.state.value.copy()
        if ordered:
            self.state.value += np.array([0, 1], dtype=_SEED_DTYPE)
        else:  # uint32 arithmetic, wrapping as Keras' does
            with np.errstate(over="ignore"):
                scrambled = (current + _SEED_DTYPE(1)) * _SEED_DTYPE(5387) % _SEED_DTYPE(933199)
            self.state.value[...] = scrambled
        return current

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _global_seed_generator():
    """The generator behind `seed=None`; `set_random_seed` and `clear_session` drop it."""
    generator = global_state.get(global_state.SEED_GENERATOR)
    if generator is None:
        generator = global_state.set(global_state.SEED_GENERATOR, SeedGenerator())
    return generator


def _rng(seed):
    """A numpy generator for one draw, seeded as Keras' numpy backend seeds it."""
    if isinstance(seed, SeedGenerator):
        words = seed.next()
    elif isinstance(seed, int) and not isinstance(seed, bool):
        words = np.array([seed, 0], dtype=_SEED_DTYPE)
    elif seed is None:
        words = _global_seed_generator().next(ordered=False)
    else:
        raise ValueError(
            "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
            f"Received: seed={seed} (of type {type(seed)})"
        )
    return np.random.default_rng(words)


def _float_dtype(dtype, function):
    dtype = backend.standardize_dtype(dtype)
    if not backend.is_float_dtype(dtype):
        raise ValueError(
            f"`keras.random.{function}` requires a floating point `dtype`. Received: "
            f"dtype={dtype} ")
    return dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draws from a normal distribution of mean `mean` and standard deviation `stddev`."""
    dtype = backend.standardize_dtype(dtype)
    return _rng(seed).normal(loc=mean, scale=stddev, size=shape).astype(dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Draws uniformly from `[minval, maxval)`."""
    dtype = _float_dtype(dtype, "uniform")
    return _rng(seed).uniform(low=minval, high=maxval, size=shape).astype(dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Draws integers uniformly from `[minval, maxval)`."""
    dtype = backend.standardize_dtype(dtype)
    if not backend.is_int_dtype(dtype):
        raise ValueError(
            f"`keras.random.randint` requires an integer `dtype`. Received: dtype={dtype} ")
    return _rng(seed).integers(low=minval, high=maxval, size=shape, dtype=dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draws from a normal distribution, keeping only values within two standard deviations
    of the mean (the others are drawn again)."""
    dtype = backend.standardize_dtype(dtype)
    rng = _rng(seed)
    low, high = mean - 2 * stddev, mean + 2 * stddev
    count = math.prod(shape) if np.ndim(shape) else int(shape)
    kept = np.empty(0)
    while kept.size < count:  # whole batches of `count` draws, in order, as Keras draws them
        batch = rng.normal(loc=mean, scale=stddev, size=count)
        kept = np.concatenate([kept, batch[(batch >= low) & (batch <= high)]])
    return kept[:count].astype(dtype).reshape(shape)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class indices for each row of the 2-D `logits` (unnormalized log
    probabilities), of shape `(batch_size, num_samples)`."""
    logits = np.asarray(ops.stop_gradient(logits))
    if logits.ndim != 2:
        raise ValueError(
            "`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
            f"Received: logits={logits}")
    rng = _rng(seed)
    classes = np.arange(logits.shape[-1])
    samples = []
    for row in logits:
        exp = np.exp(row - np.max(row, axis=-1, keepdims=True))
        samples.append(rng.choice(classes, size=num_samples,
                                  p=exp / np.sum(exp, axis=-1, keepdims=True)))
    return np.array(samples).astype(backend.standardize_dtype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """`inputs` with each value zeroed with probability `rate` and the others scaled by
    `1 / (1 - rate)`; `noise_shape` (None entries: the input's) shares one draw over the axes
    where it is 1."""
    inputs = ops.convert_to_tensor(inputs)
    if rate == 1.0:
        return ops.zeros_like(inputs)
    if rate == 0.0:
        return inputs
    keep = 1.0 - rate
    shape = ops.shape(inputs)
    if noise_shape is None:
        noise_shape = shape
    else:
        noise_shape = [shape[i] if n is None else n for i, n in enumerate(noise_shape)]
    kept = np.broadcast_to(_rng(seed).uniform(size=noise_shape) < keep, shape)
    return ops.where(kept, ops.divide(inputs, keep), ops.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    """`x` with its entries along `axis` in a random order (each 1-D slice along `axis`
    permuted on its own)."""
    x = np.asarray(ops.stop_gradient(x))
    return _rng(seed).permuted(x, axis=axis)


def gamma(shape, alpha, dtype=None, seed=None):
    """Draws from a gamma distribution of shape `alpha` and scale 1."""
    dtype = backend.standardize_dtype(dtype)
    return _rng(seed).gamma(alpha, scale=1.0, size=shape).astype(dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Draws the number of successes in `counts` trials of probability `probabilities`."""
    dtype = backend.standardize_dtype(dtype)
    return _rng(seed).binomial(n=counts, p=probabilities, size=shape).astype(dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Draws from a beta distribution of parameters `alpha` and `beta`."""
    dtype = backend.standardize_dtype(dtype)
    return _rng(seed).beta(a=alpha, b=beta, size=shape).astype(dtype)
