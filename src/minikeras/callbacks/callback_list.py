"""`CallbackList`: the one object the training loop talks to, forwarding each hook to the
callbacks that implement it, with the logs as Keras 3 hands them over."""

import numpy as np

from minikeras.callbacks.callback import KERAS2_ALIASES, Callback
from minikeras.callbacks.history import History
from minikeras.callbacks.progbar_logger import ProgbarLogger


# Hooks that take a batch or epoch index before `logs`, and those that take only `logs`.
_INDEXED_HOOKS = (
    "on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_batch_begin", "on_predict_batch_end",
)
_LOOP_HOOKS = (
    "on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
    "on_predict_begin", "on_predict_end",
)
# The hooks that start a loop: which callbacks implement which hook is found again after each.
_BEGIN_HOOKS = frozenset({"on_train_begin", "on_test_begin", "on_predict_begin"})


def _implements(callback, hook):
    """Whether `callback` does anything on `hook`: it (or its instance, as LambdaCallback
    does) replaces the base method, or replaces the Keras 2 alias the base method calls."""
    if getattr(getattr(callback, hook), "__func__", None) is not getattr(Callback, hook):
        return True
    alias = KERAS2_ALIASES.get(hook)
    return alias is not None and (
        getattr(getattr(callback, alias), "__func__", None) is not getattr(Callback, alias))


def _pythonify(logs):
    """A copy of `logs` with keys sorted, nested dicts flattened and numbers made floats
    (what Keras 3 hands to callbacks, hence its sorted history keys)."""
    result = {}
    for key, value in sorted((logs or {}).items()):
        if isinstance(value, dict):
            result.update(_pythonify(value))
            continue
        try:
            value = float(value.item() if isinstance(value, np.ndarray) else value)
        except (TypeError, ValueError):
            pass
        result[key] = value
    return result


class CallbackList(Callback):
    """Calls a list of callbacks as one; adds `History` and `ProgbarLogger` when asked.

    Args:
        callbacks: a list of `Callback`s.
        add_history: append a `History` if the list has none.
        add_progbar: append a `ProgbarLogger` if the list has none.
        model: the model, given to every callback.
        **params: run parameters (`verbose`, `epochs`, `steps`), given to every callback.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = _flatten(callbacks)
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self._targets = {}  # hook -> the bound methods of the callbacks that implement it
        self.set_model(model)
        self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)
        self._targets = {}

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def reads(self, hook):
        """Whether any callback does something on `hook` (and so reads its logs)."""
        return any(_implements(callback, hook) for callback in self.callbacks)

    def _call(self, hook, index, logs):
        # Which callbacks implement a hook is worked out at its first call in each loop (the
        # targets are forgotten at each on_*_begin), so a hook nobody implements costs a dict
        # lookup per batch, and a loop looks only at the hooks it calls (a one-batch predict
        # at four, not sixteen).
        if hook in _BEGIN_HOOKS:
            self._targets = {}
        targets = self._targets.get(hook)
        if targets is None:
            targets = self._targets[hook] = [
                getattr(c, hook) for c in self.callbacks if _implements(c, hook)]
        if not targets:
            return
        logs = _pythonify(logs)
        if index is None:
            for method in targets:
                method(logs)
        else:
            for method in targets:
                method(index, logs)


def _indexed_dispatcher(hook):
    def dispatch(self, index, logs=None):
        self._call(hook, index, logs)

    dispatch.__name__ = dispatch.__qualname__ = hook
    return dispatch


def _loop_dispatcher(hook):
    def dispatch(self, logs=None):
        self._call(hook, None, logs)

    dispatch.__name__ = dispatch.__qualname__ = hook
    return dispatch


for _hook in _INDEXED_HOOKS:
    setattr(CallbackList, _hook, _indexed_dispatcher(_hook))
for _hook in _LOOP_HOOKS:
    setattr(CallbackList, _hook, _loop_dispatcher(_hook))


def _flatten(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, (list, tuple)):
        return [c for item in callbacks for c in _flatten(item)]
    return [callbacks]
