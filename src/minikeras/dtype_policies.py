"""`keras.dtype_policies`: a layer's dtype policy, the dtype it computes in and the dtype of its
weights, under one name (`"float32"`, `"float64"`, `"mixed_float16"`, `"mixed_bfloat16"`).

minikeras computes a mixed policy in float32: numpy has no fast float16 products and no
bfloat16. A mixed policy is kept by name, so configs and files round-trip with Keras, and a
layer under it reports the float32 it computes in (`layer.compute_dtype`), while the policy
object itself says what Keras would compute in (`policy.compute_dtype`, "float16").
"""

from minikeras import backend
from minikeras.core import global_state

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}


class DTypePolicy:
    """A named dtype policy. `name` is a dtype's name or `"mixed_float16"`/`"mixed_bfloat16"`;
    None means the global policy's (`keras.config.dtype_policy()`)."""

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        if not isinstance(name, str):
            raise TypeError(
                "'name' must be a string, such as 'mixed_float16'. "
                f"Received: name={name} (of type {type(name)})"
            )
        self._name = name
        if name == "bfloat16":
            raise ValueError(
                "The dtype policy 'bfloat16' is not available: numpy has no bfloat16. Use "
                "'mixed_bfloat16' (computed in float32 here) or 'float32'."
            )
        if name in _MIXED:
            self._compute_dtype, self._variable_dtype = _MIXED[name], "float32"
        else:
            try:
                self._compute_dtype = self._variable_dtype = backend.standardize_dtype(name)
            except ValueError:
                raise ValueError(
                    f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies "
                    "include 'mixed_float16', 'mixed_bfloat16', and the name of any float dtype "
                    "such as 'float32'."
                ) from None

    name = property(lambda self: self._name)
    compute_dtype = property(lambda self: self._compute_dtype)
    variable_dtype = property(lambda self: self._variable_dtype)
    quantization_mode = None

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return type(other) is type(self) and other._name == self._name

    def __hash__(self):
        return hash((type(self), self._name))

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


class FloatDTypePolicy(DTypePolicy):
    """Keras 3's former name of a float policy."""


def serialize(policy):
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": policy.get_config(),
        "registered_name": None,
    }


def deserialize(config):
    """A policy from `serialize`'s dict, or from tf_keras' (`"class_name": "Policy"`)."""
    if not isinstance(config, dict) or not isinstance(config.get("config"), dict):
        raise ValueError(f"Expected a serialized dtype policy. Received: config={config}")
    name = config["config"].get("name")
    return FloatDTypePolicy(name) if config.get("class_name") == "FloatDTypePolicy" \
        else DTypePolicy(name)


def get(identifier):
    """A policy from a policy, a name, a serialized dict or a numpy dtype; None: the global one."""
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    name = getattr(identifier, "name", None)  # a numpy dtype or scalar type
    if name is None and isinstance(identifier, type):
        name = getattr(identifier, "__name__", None)
    if isinstance(name, str):
        return DTypePolicy(backend.standardize_dtype(name))
    raise ValueError(f"Cannot interpret `dtype` argument. Received: dtype={identifier}")


def dtype_policy():
    """The global policy (of this thread), by default the one named by `keras.config.floatx()`
    when first asked; `clear_session` forgets it."""
    policy = global_state.get(global_state.DTYPE_POLICY)
    if policy is None:
        policy = global_state.set(global_state.DTYPE_POLICY, DTypePolicy(backend.floatx()))
    return policy


def set_dtype_policy(policy):
    """Make `policy` (a name or a `DTypePolicy`) the default of the layers made after."""
    if isinstance(policy, str):
        policy = DTypePolicy(policy)
    elif not isinstance(policy, DTypePolicy):
        raise ValueError(
            "Invalid `policy` argument. Expected the string name of a policy (such as "
            "'mixed_float16') or a `DTypePolicy` instance. "
            f"Received: policy={policy} (of type {type(policy)})"
        )
    global_state.set(global_state.DTYPE_POLICY, policy)


__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]
