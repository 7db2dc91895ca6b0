"""`keras.name_scope`: the prefix of the paths of variables made inside it, per thread."""

from minikeras.core import global_state

_STACK = "name_scope_stack"


class name_scope:  # noqa: N801  (Keras' name)
    """A scope whose name prefixes the path of every variable made inside it.

    Args:
        name: the scope's name (no `/`).
        caller: the object opening it; with `deduplicate`, the same caller reopening the scope
            it is in does not nest it again.
        deduplicate: see `caller`.
        override_parent: an absolute path that replaces the scopes this one is inside.
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name}")
        self.name, self.caller = name, caller
        self.deduplicate, self.override_parent = deduplicate, override_parent
        if override_parent is None and deduplicate:
            self.override_parent = getattr(caller, "_parent_path", None)
        self._pushed = False

    def __enter__(self):
        stack = global_state.get(_STACK)
        if stack is None:
            stack = global_state.set(_STACK, [])
        top = stack[-1] if stack else None
        if (self.deduplicate and top is not None and self.caller is not None
                and self.caller is top.caller and self.name == top.name):
            return self
        stack.append(self)
        self._pushed = True
        return self

    def __exit__(self, *exc_info):
        stack = global_state.get(_STACK)
        if self._pushed and stack:
            stack.pop()
        self._pushed = False


def current_path():
    """The path the open scopes make ("" outside any)."""
    parts = []
    for scope in global_state.get(_STACK) or ():
        if scope.override_parent is not None:
            parts = [part for part in scope.override_parent.split("/") if part]
        parts.append(scope.name)
    return "/".join(parts)
