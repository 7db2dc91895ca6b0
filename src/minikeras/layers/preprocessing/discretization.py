"""`Discretization`: the bin of each value, from given or adapted bin boundaries."""

import numpy as np

from minikeras.layers.base import Layer
from minikeras.layers.node import KerasTensor
from minikeras.layers.preprocessing import adapting, encoding
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class Discretization(Layer):
    """Bucket each value: bin `i` holds `bin_boundaries[i - 1] <= x < bin_boundaries[i]`.

    Args:
        bin_boundaries: the sorted boundaries (n boundaries make n + 1 bins).
        num_bins: instead, the number of bins whose boundaries `adapt` chooses as quantiles
            of the data (Keras' approximate quantile summaries, within `epsilon`).
        epsilon: the error tolerance of those quantiles.
        output_mode: "int" (the bin, int32), "one_hot", "multi_hot" or "count".
        sparse: accepted for Keras' configs; outputs are dense.
    """

    _single_input = True

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        kwargs.pop("trainable", None)
        super().__init__(name=name, dtype=_float_dtype(dtype), **kwargs)
        if sparse:
            raise ValueError("minikeras' Discretization gives dense outputs (`sparse=False`).")
        encoding.check_output_mode(output_mode, "Discretization")
        if num_bins is not None and num_bins < 0:
            raise ValueError(
                f"`num_bins` must be greater than or equal to 0. Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Both `num_bins` and `bin_boundaries` should not be set. Received: "
                f"`num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`"
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = None if bin_boundaries is None else list(bin_boundaries)
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self.summary = None if self.bin_boundaries else _empty_summary()

    # ------------------------------------------------------------------------------------------
    # Adapting: a summary of (value, weight) pairs, merged batch by batch, then its quantiles.

    def adapt(self, data, batch_size=None, steps=None):
        """Choose `num_bins` bins of equal mass over `data`."""
        if self.num_bins is None:
            raise ValueError(
                "Cannot adapt a Discretization layer that has been initialized with "
                "`bin_boundaries`, use `num_bins` instead."
            )
        self.reset_state()
        for batch in adapting.batches(data, steps=steps, lists="batches"):
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        summary = _summarize(np.asarray(data, np.float32), self.epsilon)
        self.summary = _merge(summary, self.summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is not None:
            self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        if self.num_bins is not None:
            self.summary = _empty_summary()

    def load_own_variables(self, store):
        """tf_keras files store the summary (and no boundaries): the bins follow from it."""
        if len(store) == 1:
            self.summary = np.asarray(store["0"], np.float32)
            if self.bin_boundaries is None:
                self.finalize_state()

    def save_own_variables(self, store):
        """Keras 3 keeps the boundaries in the config and stores nothing."""

    # ------------------------------------------------------------------------------------------
    # Computation

    @property
    def _output_dtype(self):
        return np.int32 if self.output_mode == "int" else self._np_dtype

    def build(self, input_shape=None):
        """No weights: built on the first call, which records the input shape (the layer's
        build config), as in Keras."""

    def forward(self, inputs, training=False):
        if self.bin_boundaries is None:
            raise ValueError(
                "You need to either pass the `bin_boundaries` argument at construction time or "
                "call `adapt(dataset)` before you can start using the `Discretization` layer."
            )
        boundaries = np.asarray(self.bin_boundaries, np.float32)
        values = np.asarray(inputs).astype(np.float32, copy=False)
        bins = np.searchsorted(boundaries, values, side="right")
        return encoding.encode(bins, self.output_mode, len(boundaries) + 1,
                               self._output_dtype), None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = len(self.bin_boundaries) + 1 if self.bin_boundaries is not None else self.num_bins
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return (*input_shape[:-1], depth)
            return (*input_shape, depth)
        if len(input_shape) >= 2:
            return (input_shape[0], *input_shape[2:], depth)
        return (depth,)

    def compute_output_spec(self, inputs):
        """Bins as int32 (not the layer's float dtype), encodings in the layer's dtype."""
        return KerasTensor(self.compute_output_shape(inputs.shape),
                           np.dtype(self._output_dtype).name)

    def get_config(self):
        return {
            "bin_boundaries": self.bin_boundaries,
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "name": self.name,
            "dtype": self.dtype,
        }

    def _legacy_config(self, config):
        """The legacy `.h5` config: the bins as boundaries, without `num_bins` (tf_keras
        refuses both together)."""
        if self.bin_boundaries is None:
            return config
        return {**config, "bin_boundaries": self.bin_boundaries, "num_bins": None}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        boundaries = config.pop("bin_boundaries", None)
        if boundaries is not None and config.get("num_bins") is not None:
            layer = cls(**config)  # an adapted layer: its bins, and num_bins to adapt again
            layer.bin_boundaries = list(boundaries)
            return layer
        return cls(bin_boundaries=boundaries, **config)


def _float_dtype(dtype):
    """tf_keras configs give Discretization an integer dtype; its float outputs are floatx."""
    if isinstance(dtype, dict):
        dtype = dtype.get("config", {}).get("name")
    return None if dtype is None or "int" in str(dtype) else dtype


def _empty_summary():
    return np.zeros((2, 0), np.float32)


def _summarize(values, epsilon):
    """Every `step`-th sorted value, each standing for `step` values: at most 1 / epsilon."""
    values = np.sort(values.reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.full_like(boundaries, step)])


def _merge(summary, other, epsilon):
    merged = np.concatenate((summary, other), axis=1)
    merged = merged[:, np.argsort(merged[0])]
    return _compress(merged, epsilon)


def _compress(summary, epsilon):
    """The summary re-sampled at the quantiles `epsilon, 2 epsilon, ..., 1`."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    fractions = cumulative / cumulative[-1]
    values = np.interp(percents, fractions, summary[0])
    cumulative = np.interp(percents, fractions, cumulative)
    weights = np.diff(cumulative, prepend=0.0)
    return np.stack((values, weights)).astype(np.float32)
