"""`Bidirectional`: an RNN run both ways over a sequence, the two outputs merged."""

from minikeras import ops
from minikeras.layers.base import Layer
from minikeras.saving import registry

MERGE_MODES = ("sum", "mul", "ave", "concat", None)


@registry.register("layer", module="keras.layers")
class Bidirectional(Layer):
    """Runs a copy of `layer` forwards and another (or `backward_layer`) backwards over the
    sequence, and merges their outputs (the backward sequence flipped back into time order).

    Args:
        layer: the RNN to copy for the forward direction (its config, with a `forward_` name;
            its weights are not copied) and, without `backward_layer`, for the backward one.
        merge_mode: "concat" (default), "sum", "mul", "ave", or None for the two outputs as a
            list.
        weights: initial weights, the forward layer's then the backward layer's.
        backward_layer: the layer for the backward direction (with `go_backwards=True`).

    With `return_state`, the outputs are followed by the forward states, then the backward
    ones; `initial_state` takes them in that order.
    """

    _single_input = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                f"Received: {layer}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                "`backward_layer` need to be a `keras.layers.Layer` instance. "
                f"Received: {backward_layer}"
            )
        if merge_mode not in MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        super().__init__(**kwargs)
        self.forward_layer = _copy(layer, "forward_")
        self.backward_layer = backward_layer if backward_layer is not None \
            else _copy(layer, "backward_", go_backwards=not layer.go_backwards)
        if hasattr(layer, "use_cudnn"):
            self.forward_layer.use_cudnn = self.backward_layer.use_cudnn = layer.use_cudnn
        self._verify_layer_config()
        for direction in (self.forward_layer, self.backward_layer):
            # Merged sequences must be zeros at masked steps, in both directions alike.
            if getattr(direction, "zero_output_for_mask", None) is not None:
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights else None
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True

    def _verify_layer_config(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. "
                f"Received: forward_layer.go_backwards {forward.go_backwards}, "
                f"backward_layer.go_backwards={backward.go_backwards}"
            )
        for attribute in ("stateful", "return_sequences", "return_state"):
            ours, theirs = getattr(forward, attribute), getattr(backward, attribute)
            if ours != theirs:
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for "
                    f'attribute "{attribute}", got "{ours}" for forward layer and "{theirs}" '
                    "for backward layer"
                )

    def build(self, sequences_shape, initial_state_shape=None):
        for direction in (self.forward_layer, self.backward_layer):
            if not direction.built:
                direction._path_prefix = f"{self._path_prefix}{self.name}/"
                direction._build_for(tuple(sequences_shape))
        if self._initial_weights:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None

    @property
    def states(self):
        forward, backward = self.forward_layer.states, self.backward_layer.states
        return tuple(forward + backward) if forward and backward else None

    def reset_states(self):
        self.reset_state()

    def reset_state(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask,
                               training=training)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, mask=mask,
                                    training=training)
        states = ()
        if self.return_state:
            states = (*y[1:], *y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        output = _merge(self.merge_mode, y, y_rev)
        if not self.return_state:
            return output
        return [*output, *states] if self.merge_mode is None else [output, *states]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = ()
        if self.return_state:
            shape, state_shapes = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            shape = (*shape[:-1], shape[-1] * 2)
        elif self.merge_mode is None:
            shape = [shape, shape]
        if not self.return_state:
            return shape if self.merge_mode is not None else shape
        if self.merge_mode is None:
            return (*shape, *state_shapes, *state_shapes)
        return (shape, *state_shapes, *state_shapes)

    def compute_mask(self, inputs, mask):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = mask if self.merge_mode else [mask, mask]
        else:
            output_mask = None if self.merge_mode else [None, None]
        if self.return_state:
            state_masks = [None] * (2 * len(self.forward_layer.state_size))
            head = output_mask if isinstance(output_mask, list) else [output_mask]
            return head + state_masks
        return output_mask

    def get_config(self):
        return {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": registry.serialize(self.forward_layer),
            "backward_layer": registry.serialize(self.backward_layer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = registry.deserialize("layer", config["layer"], custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = registry.deserialize("layer", backward, custom_objects)
        return cls(**config)


def _copy(layer, prefix, **changes):
    """A new layer from `layer`'s config, named `prefix + name` (without a repeated prefix)."""
    config = registry.serialize(layer)
    name = layer.name[len(prefix):] if layer.name.startswith(prefix) else layer.name
    config["config"] = {**config["config"], "name": f"{prefix}{name}", **changes}
    config.pop("build_config", None)
    return registry.deserialize("layer", config)


def _merge(mode, y, y_rev):
    if mode == "concat":
        return ops.concatenate([y, y_rev], axis=-1)
    if mode == "sum":
        return y + y_rev
    if mode == "ave":
        return (y + y_rev) / 2
    if mode == "mul":
        return y * y_rev
    return [y, y_rev]
