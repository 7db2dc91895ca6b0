"""`StackedRNNCells`: several cells acting as one, each feeding its output to the next."""

import numpy as np

from minikeras import tree
from minikeras.layers.base import Layer
from minikeras.saving import registry


@registry.register("layer", module="keras.layers")
class StackedRNNCells(Layer):
    """Cells stacked into one cell: a step runs each in turn on the previous one's output.

    Args:
        cells: the cells (layers with `call(inputs, states)` and `state_size`).
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not callable(getattr(cell, "call", None)):
                raise ValueError(
                    f"All cells must have a `call` method. Received cell without a `call` "
                    f"method: {cell}"
                )
            if getattr(cell, "state_size", None) is None:
                raise ValueError(
                    "All cells must have a `state_size` attribute. Received cell without a "
                    f"`state_size`: {cell}"
                )
        self.cells = list(cells)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        return _output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            get = getattr(cell, "get_initial_state", None)
            if get is not None:
                states.append(get(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(np.zeros((batch_size, cell.state_size), self._np_dtype))
            else:
                states.append([np.zeros((batch_size, s), self._np_dtype)
                               for s in cell.state_size])
        return states

    def build(self, input_shape):
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._path_prefix = self._path_prefix
                cell._build_for(tuple(input_shape))
            input_shape = (tuple(input_shape)[0], _output_size(cell))

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            nested = tree.is_nested(cell_states)
            cell_states = list(cell_states) if nested else [cell_states]
            kwargs = {"training": training} if isinstance(cell, Layer) and \
                cell._call_takes_training else {}
            inputs, cell_states = cell(inputs, cell_states, **kwargs)
            cell_states = list(cell_states) if tree.is_nested(cell_states) else [cell_states]
            new_states.append(cell_states if nested or len(cell_states) > 1 else cell_states[0])
        return inputs, new_states

    def get_config(self):
        return {**super().get_config(), "cells": [registry.serialize(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [registry.deserialize("layer", c, custom_objects) for c in config.pop("cells")]
        return cls(cells, **config)


def _output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) else cell.state_size
