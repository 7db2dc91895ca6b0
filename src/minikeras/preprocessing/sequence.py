"""`keras.preprocessing.sequence`: `pad_sequences`, and Keras 2's `TimeseriesGenerator`."""

from minikeras.preprocessing.timeseries_generator import TimeseriesGenerator
from minikeras.utils.sequence_utils import pad_sequences

__all__ = ["TimeseriesGenerator", "pad_sequences"]
