"""`keras.device`, `keras.remat` and `keras.RematScope`: scopes that place or recompute work
on accelerators. minikeras runs on the CPU and keeps every activation, so these accept what
Keras accepts and change nothing: a script written for them runs, with the same numbers."""

import contextlib


@contextlib.contextmanager
def device(device_name):
    """Run the block on `device_name` ("cpu:0", "gpu:1", ...): here, always the CPU."""
    if not isinstance(device_name, str):
        raise ValueError(  # TensorFlow's message: Keras 3 hands the name to tf.device
            f"Expecting a string device name. Got {type(device_name)}({device_name})")
    yield


def remat(f):
    """`f` recomputed in the backward pass instead of stored: here, `f` itself (the same
    values and gradients; only the memory trade-off is not made)."""
    return f


class RematScope:
    """A scope choosing which layers' activations Keras recomputes (`mode`: "full",
    "activations", "larger_than", "list_of_layers" or None); accepted, with no effect here."""

    _MODES = ("full", "activations", "larger_than", "list_of_layers", None)

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in self._MODES:
            raise ValueError(f"Invalid mode '{mode}'. Supported modes are: 'full', "
                             "'activations', 'larger_than', 'list_of_layers', or  None.")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = layer_names or []

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None
