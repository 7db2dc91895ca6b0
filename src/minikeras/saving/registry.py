"""The serialization registry: the only place where a name becomes a class or function.

Every public minikeras class and function registers its Keras names here once, under a kind
(`"activation"`, `"initializer"`, `"layer"`, ...). `get`, `serialize`, `deserialize`, JSON and
every file format go through this module. Nothing is ever imported by a name read from a file:
a name resolves to something registered, to what the caller passed in `custom_objects`, or it
is refused. That single choke point is what makes loading safe.
"""

import contextlib
import inspect
import threading

# kind -> {name: object}
_BUILTINS = {}
# kind -> (what the error messages call it, whether names match case-insensitively, the
# minikeras modules whose import registers every built-in of the kind)
_KINDS = {
    "activation": ("activation function", False, ("activations",)),
    "initializer": ("initializer", False, ("initializers",)),
    "regularizer": ("regularizer", False, ("regularizers",)),
    "constraint": ("constraint", False, ("constraints",)),
    # Sequential, Functional, Model are layers, and so is utils' FeatureSpace (a file of its own)
    "layer": ("layer", False, ("layers", "models", "utils")),
    # Keras 3's ops recorded in functional graphs (Add, GetItem...)
    "operation": ("op", False, ("layers.operation",)),
    "loss": ("loss", False, ("losses",)),
    "metric": ("metric", False, ("metrics",)),
    "optimizer": ("optimizer", True, ("optimizers",)),
    "schedule": ("learning rate schedule", False, ("optimizers.schedules",)),
    "other": ("object", False, ("metrics",)),  # functions Keras exports as metrics
}
# The Keras module each registered object reports in a Keras 3 config ("keras.layers", ...).
_MODULES = {}
# "keras.losses" -> "loss": which kind a Keras 3 config's `module` names.
_KIND_OF_MODULE = {}
_GLOBAL_CUSTOM_OBJECTS = {}
_scopes = threading.local()

# Names whose meaning changed between Keras 2 and Keras 3 (hard_sigmoid's slope): inside
# `keras2_objects()` they resolve to what Keras 2 meant, so Keras 2 files predict as they did.
KERAS2_OVERRIDES = {}

# Names that only ever mean code execution; refused whatever the caller asks for.
FORBIDDEN_CLASSES = frozenset({"__lambda__"})


def register(kind, *aliases, module=None, name=None):
    """Decorator: register a class or function under its own name plus `aliases`."""

    def decorate(obj):
        table = _BUILTINS.setdefault(kind, {})
        for key in (name or obj.__name__, *aliases):
            table[key.lower() if _KINDS[kind][1] else key] = obj
        if module is not None:
            _MODULES[obj] = module
            _KIND_OF_MODULE.setdefault(module, kind)
        return obj

    return decorate


def register_class(kind, *aliases, module):
    """Decorator: register a class under its name, its snake_case name and `aliases`, as Keras
    3 resolves `"GlorotUniform"`, `"glorot_uniform"` and older spellings alike."""
    from minikeras.backend import to_snake_case

    def decorate(cls):
        return register(kind, to_snake_case(cls.__name__), *aliases, module=module)(cls)

    return decorate


def builtin_names(kind):
    """Every registered name of a kind (used by docs and tests)."""
    _load_builtins(kind)
    return dict(_BUILTINS.get(kind, {}))


_loaded_kinds = set()


def _load_builtins(kind):
    """Import the modules that register the built-ins of `kind`: `import minikeras` loads its
    parts on first use, but a name read from a file may be of a part nothing has touched yet.
    One kind's only: resolving `activation="relu"` must not import every layer and optimizer."""
    if kind not in _loaded_kinds:
        import importlib

        for name in _KINDS[kind][2]:
            module = importlib.import_module(f"minikeras.{name}")
            if "_load_all" in vars(module):  # a package whose names load on first use
                module._load_all()
        _loaded_kinds.add(kind)


def _load_home(kind, name):
    """Import the module that defines the built-in `name` of `kind`, where a package of the
    kind whose names load on first use lists it (`minikeras.layers.Dense` imports the dense
    module alone): a file's `Dense` must not import every layer. Only modules of the package's
    own fixed table can be imported this way, whatever the name."""
    import importlib

    for module_name in _KINDS[kind][2]:
        module = importlib.import_module(f"minikeras.{module_name}")
        if "_load_all" in vars(module):
            try:
                getattr(module, name)
            except AttributeError:  # not one of the package's public names
                pass


def _builtin(kind, name):
    """The built-in registered under `name` for `kind`, or None. The module that defines a
    public name is imported first, and the whole kind only for names no package lists
    (aliases, snake_case names), or that are unknown."""
    key = name.lower() if _KINDS[kind][1] else name
    table = _BUILTINS.get(kind, {})
    if key not in table and kind not in _loaded_kinds:
        _load_home(kind, name)
        table = _BUILTINS.get(kind, {})
        if key not in table:
            _load_builtins(kind)
            table = _BUILTINS.get(kind, {})
    return table.get(key)


def keras_module(obj):
    cls = obj if inspect.isclass(obj) else type(obj)
    for klass in cls.__mro__:
        if klass in _MODULES:
            return _MODULES[klass]
    return None


# ----------------------------------------------------------------------------------------------
# Custom objects


def get_custom_objects():
    """The process-wide custom object dict; entries here resolve in every deserialization."""
    return _GLOBAL_CUSTOM_OBJECTS


def _scope_stack():
    if not hasattr(_scopes, "stack"):
        _scopes.stack = []
    return _scopes.stack


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    """Make `custom_objects` resolvable by name inside a `with` block."""
    _scope_stack().append(dict(custom_objects or {}))
    try:
        yield
    finally:
        _scope_stack().pop()


CustomObjectScope = custom_object_scope


def keras2_objects(keras_version):
    """A scope giving Keras 2's meanings when `keras_version` says the config is Keras 2's."""
    is_keras2 = str(keras_version or "").startswith(("1.", "2."))
    return custom_object_scope(KERAS2_OVERRIDES if is_keras2 else {})


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a user class or function resolvable as `"package>name"`."""
    if "|" in package:
        raise ValueError(f"Invalid package name: {package} (the '|' character is not allowed)")

    def decorate(obj):
        registered = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        obj._registered_name = registered
        return obj

    return decorate


def get_registered_name(obj):
    obj = obj if inspect.isclass(obj) or inspect.isfunction(obj) else type(obj)
    return getattr(obj, "_registered_name", None) or obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    found = _lookup_custom(name, custom_objects)
    if found is None and module_objects:
        found = module_objects.get(name)
    return found


def _custom_tables(custom_objects):
    return (custom_objects or {}, *reversed(_scope_stack()), _GLOBAL_CUSTOM_OBJECTS)


def _lookup_custom(name, custom_objects):
    for table in _custom_tables(custom_objects):
        if name in table:
            return table[name]
    return None


def _lookup_bare_registered(name, custom_objects):
    # A registered object found by its bare name ("MyLayer" for "Custom>MyLayer"), as Keras 3
    # reads the files of Keras <= 3.6, which saved custom functions by bare name.
    for table in _custom_tables(custom_objects):
        for key, value in table.items():
            if ">" in key and key.split(">", 1)[1] == name:
                return value
    return None


def lookup(kind, name, custom_objects=None):
    """The object registered under `name` for `kind`, or a custom object; None if unknown.

    In order: an object stored under exactly `name` (the caller's `custom_objects`, scopes,
    `register_keras_serializable`'s `package>Name`), then the built-in, then a registered object
    whose bare name is `name`. A user's `@register_keras_serializable() class Dense` thus never
    replaces the built-in `Dense` of an unrelated file: it is found by `Custom>Dense` only.
    """
    if not isinstance(name, str):
        return None
    if name in FORBIDDEN_CLASSES:
        raise ValueError(
            f"Refusing to load '{name}': it would run code stored in the file. "
            "minikeras never executes code from a model file or config."
        )
    found = _lookup_custom(name, custom_objects)
    if found is not None:
        return found
    found = _builtin(kind, name)
    return found if found is not None else _lookup_bare_registered(name, custom_objects)


# ----------------------------------------------------------------------------------------------
# Objects <-> configs


def serialize(obj):
    """An object as Keras 3 serializes it: a name for a function, a config dict for a class."""
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize(item) for item in obj]
    if isinstance(obj, dict):
        return {key: serialize(value) for key, value in obj.items()}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        registered = getattr(obj, "_registered_name", None)
        if registered:
            # Keras 3 names the function's class (`builtins.function`), not where it lives.
            return {
                "module": "builtins",
                "class_name": "function",
                "config": registered,
                "registered_name": "function",
            }
        return obj.__name__
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no `get_config()` method.")
    registered = getattr(type(obj), "_registered_name", None)
    config = {
        "module": keras_module(obj) or type(obj).__module__,
        "class_name": type(obj).__name__,
        "config": obj.get_config(),
        "registered_name": registered,
    }
    # Layers and models add how they were built and compiled, as Keras 3 does.
    for key, method in (("build_config", "get_build_config"), ("compile_config", "get_compile_config")):
        extra = getattr(obj, method, None)
        extra = extra() if extra is not None else None
        if extra:
            config[key] = extra
    return config


def deserialize(kind, config, custom_objects=None):
    """Rebuild an object from a name or a Keras 2 / Keras 3 config dict.

    Keras 3 dicts carry `module`/`class_name`/`config`/`registered_name`; Keras 2 dicts only
    `class_name`/`config`. Both resolve through the registry, never by importing `module`.
    """
    if config is None:
        return None
    if isinstance(config, str):
        return _resolve(kind, config, custom_objects)
    if not isinstance(config, dict) or "class_name" not in config:
        raise TypeError(f"Could not parse config: {config!r}")
    class_name = config["class_name"]
    inner = config.get("config", {})
    if class_name == "function":
        return _resolve(kind, inner, custom_objects)
    if class_name == "__numpy__":
        return _numpy_value(inner)
    if kind == "layer" and (_KIND_OF_MODULE.get(config.get("module")) == "operation" or (
            "module" not in config and isinstance(inner, dict) and "trainable" not in inner
            and lookup("operation", class_name) is not None)):
        # Keras' op `Add` (keras.src.ops.numpy; in a legacy .h5 config, no module and no
        # layer settings), not its layer `Add`.
        kind = "operation"
    name = config.get("registered_name") or class_name
    obj = lookup(kind, name, custom_objects) or lookup(kind, class_name, custom_objects)
    if obj is None:
        raise TypeError(
            f"Could not locate class '{class_name}'. Make sure custom classes and functions are "
            "decorated with `@keras.saving.register_keras_serializable()` or passed in "
            f"`custom_objects`. Full object config: {config}"
        )
    if not inspect.isclass(obj):
        return obj
    if not isinstance(inner, dict):
        raise TypeError(f"The config of '{class_name}' must be a dict. Received: {inner!r}")
    with custom_object_scope(custom_objects):
        instance = _instantiate(obj, inner, custom_objects)
    build_config = config.get("build_config")
    if isinstance(build_config, dict) and hasattr(instance, "build_from_config"):
        instance.build_from_config(build_config)
    return instance


def _numpy_value(inner):
    """The array of a `__numpy__` config: numbers or booleans only, so that its size is the
    size of the JSON list (a dtype such as '<U100000000' would make each item 400 MB)."""
    import numpy as np

    if not isinstance(inner, dict) or "value" not in inner:
        raise TypeError(f"Could not parse a `__numpy__` config: {inner!r:.200}")
    dtype = inner.get("dtype")
    try:
        dtype = None if dtype is None else np.dtype(dtype)
    except TypeError:
        raise TypeError(f"Unknown dtype in a `__numpy__` config: {dtype!r:.100}") from None
    if dtype is not None and (dtype.kind not in "biufc" or dtype.itemsize > 16):
        raise TypeError(
            f"A `__numpy__` config may hold numbers only; received dtype {dtype.str!r}."
        )
    value = np.asarray(inner["value"], dtype=dtype)
    if value.dtype.kind not in "biufc":
        raise TypeError(f"A `__numpy__` config may hold numbers only; received {value.dtype}.")
    return value


def _instantiate(obj, inner, custom_objects):
    from_config = getattr(obj, "from_config", None)
    if from_config is None:
        instance = obj(**inner)
    elif "custom_objects" in inspect.signature(from_config).parameters:
        instance = from_config(inner, custom_objects=custom_objects)
    else:
        instance = from_config(inner)
    return instance


def deserialize_any(config, custom_objects=None):
    """An object from a config of unstated kind: the kind its Keras 3 `module` names, else
    (Keras 2 configs have no module) the first kind whose registry knows the class."""
    for kind in _KINDS:  # `_KIND_OF_MODULE` knows the modules of what is registered
        _load_builtins(kind)
    module = config.get("module") if isinstance(config, dict) else None
    kinds = [_KIND_OF_MODULE[module]] if module in _KIND_OF_MODULE else list(_KINDS)
    for kind in kinds[:-1]:
        try:
            return deserialize(kind, config, custom_objects)
        except (TypeError, ValueError):
            continue
    return deserialize(kinds[-1], config, custom_objects)


def _resolve(kind, name, custom_objects):
    obj = lookup(kind, name, custom_objects)
    if obj is None:
        raise ValueError(f"Could not interpret {_KINDS[kind][0]} identifier: {name}")
    return obj


def get(kind, identifier, custom_objects=None, instantiate=True):
    """Resolve what a user passed for an identifier argument, the way Keras' `get()` does.

    Accepts None, a registered name, a Keras 2 or Keras 3 config dict, an instance or any
    callable. A class found by name is instantiated with its defaults when `instantiate`.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        try:
            obj = deserialize(kind, identifier, custom_objects)
        except TypeError as error:
            raise ValueError(
                f"Could not interpret {_KINDS[kind][0]} identifier: {identifier} ({error})"
            ) from error
    elif isinstance(identifier, str):
        obj = _resolve(kind, identifier, custom_objects)
    else:
        obj = identifier
    if inspect.isclass(obj) and instantiate:
        obj = obj()
    if not callable(obj):
        raise ValueError(f"Could not interpret {_KINDS[kind][0]} identifier: {identifier}")
    return obj
