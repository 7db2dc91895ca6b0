"""`SKLearnClassifier`, `SKLearnRegressor` and `SKLearnTransformer`: Keras 3's scikit-learn
wrappers, with Keras 3's arguments and one more, `random_state`, that makes fits repeat.

Each wraps a compiled model, or a function `model(X=X, y=y, **model_kwargs)` returning one, as a
scikit-learn estimator: it works in `Pipeline`, `GridSearchCV` and `cross_val_score`, and in
parallel (`n_jobs`, joblib's Dask backend), because a minikeras model pickles as its `.keras`
archive.
"""

import contextlib

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
except ImportError:
    raise ModuleNotFoundError(
        "minikeras.wrappers needs scikit-learn: `pip install scikit-learn`.", name="sklearn"
    ) from None
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data


class SKLBase(BaseEstimator):
    """The shared part of the three wrappers.

    Args:
        model: a compiled `Model`, or a callable taking `X` and `y` as keywords (and the
            `model_kwargs`) that returns a compiled `Model`. A `Model` is cloned, fresh weights
            and all, before each fit, unless `warm_start` is set and a fit has been done.
        warm_start: whether a second `fit` goes on training the fitted model instead of
            starting from a fresh one.
        model_kwargs: keyword arguments for `model` when it is a callable.
        fit_kwargs: keyword arguments for `model.fit` (`epochs`, `batch_size`, `verbose`...);
            those given to `fit` itself take precedence.
        random_state: None, an int or a `numpy.random.RandomState`: when set, `fit` seeds
            minikeras first (`utils.set_random_seed`), and draws the fit's seeds from streams
            of its thread alone, so initial weights, dropout and shuffling, and therefore the
            fitted model, repeat whatever other threads draw meanwhile (a Dask worker's event
            loop does). (Keras 3 has no such argument.)

    Attributes:
        model_: the fitted model.
        history_: the fit's history, a dict of per-epoch lists (`History.history`).

    `predict`, `transform` and `decision_function` run `model_.predict` silently (Keras'
    wrappers draw a progress bar at every call, many per grid search).
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None,
                 random_state=None):
        # scikit-learn's rule: store the arguments as given; `fit` checks them.
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.target_tags.multi_output = True  # a model trains on any number of target columns
        return tags

    @property
    def epoch_(self):
        """The number of epochs the last fit ran."""
        return len(next(iter(getattr(self, "history_", {}).values()), []))

    def fit(self, X, y, **kwargs):
        """Fit the model to `X` (n_samples, n_features) and `y`; `kwargs` go to `model.fit`."""
        X, y = validate_data(self, X, y, multi_output=self.__sklearn_tags__().target_tags.multi_output)
        y = self._encode_target(y, reset=True)
        with self._seeded():
            model = self._model_to_fit(X, y)
            self.history_ = model.fit(X, y, **{**(self.fit_kwargs or {}), **kwargs}).history
        self.model_ = model
        return self

    def predict(self, X):
        """The model's predictions for `X`, as targets like those `fit` saw."""
        return self._decode_target(self._raw_predict(X))

    def set_fit_request(self, **kwargs):
        """Route metadata (`sample_weight=True`, ...) to `fit` under scikit-learn's metadata
        routing (`sklearn.set_config(enable_metadata_routing=True)`)."""
        import sklearn
        from sklearn.utils.metadata_routing import MetadataRequest

        if not sklearn.get_config().get("enable_metadata_routing", False):
            raise RuntimeError(
                "This method is only available when metadata routing is enabled. You can "
                "enable it using sklearn.set_config(enable_metadata_routing=True)."
            )
        self._metadata_request = MetadataRequest(owner=type(self).__name__)
        for param, alias in kwargs.items():
            self._metadata_request.fit.add_request(param=param, alias=alias)
        return self

    # ------------------------------------------------------------------------------------------

    def _seeded(self):
        """The block of a fit: seeded by `random_state` in this thread alone (a Dask worker's
        own threads draw from Python's `random` meanwhile), or as it is when that is None."""
        from minikeras import backend

        if self.random_state is None:
            return contextlib.nullcontext()
        seed = self.random_state
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            seed = check_random_state(seed).randint(2**31 - 1)
        return backend.seeded(int(seed))

    def _model_to_fit(self, X, y):
        from minikeras.models import Model, clone_model

        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            model = clone_model(self.model)
        elif callable(self.model):
            model = self.model(X=X, y=y, **(self.model_kwargs or {}))
        else:
            raise TypeError(
                "`model` must be a compiled minikeras `Model` or a callable returning one. "
                f"Received: model={self.model!r} (of type {type(self.model)})"
            )
        if not getattr(model, "compiled", False) or not model.loss or not model.optimizer:
            raise RuntimeError("Given model needs to be compiled, and have a loss and an optimizer.")
        return model

    def _raw_predict(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self.model_.predict(X, verbose=0)

    def _encode_target(self, y, reset):
        """The target as the model trains on it (2-D); regressors and transformers reshape."""
        type_of_target(y, input_name="y", raise_unknown=True)
        if reset:
            self._target_encoder = _TargetReshaper().fit(y)
        return self._target_encoder.transform(y)

    def _decode_target(self, y):
        return self._target_encoder.inverse_transform(y)


class SKLearnClassifier(ClassifierMixin, SKLBase):
    """A scikit-learn classifier around a minikeras model.

    The labels are one-hot encoded for the model (one output per class, binary included),
    and `predict` returns the label of the highest output. See `SKLBase` for the arguments.

    Attributes:
        model_, history_: as for every wrapper.
        classes_: the labels seen in `fit`, sorted.
    """

    def decision_function(self, X):
        """The model's raw outputs, one column per class."""
        return self._raw_predict(X)

    def _encode_target(self, y, reset):
        target_type = type_of_target(y, input_name="y", raise_unknown=True)
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"Only binary and multiclass target types are supported. Target type: {target_type}"
            )
        if reset:
            self.classes_ = np.unique(y)
            if len(self.classes_) == 1:
                raise ValueError("Classifier can't train when only one class is present.")
            self._target_encoder = make_pipeline(
                _TargetReshaper(), OneHotEncoder(sparse_output=False)
            ).fit(y)
        return self._target_encoder.transform(y)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True  # a few epochs on the checks' tiny data
        tags.target_tags.multi_output = False  # one label per sample: binary or multiclass
        return tags


class SKLearnRegressor(RegressorMixin, SKLBase):
    """A scikit-learn regressor around a minikeras model (see `SKLBase` for the arguments).

    A 1-D target is trained on as one column and predicted back as 1-D.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(TransformerMixin, SKLBase):
    """A scikit-learn transformer around a minikeras model: `fit(X, y)` trains it, and
    `transform(X)` is its output (an embedding, say). See `SKLBase` for the arguments.

    A transformer in scikit-learn's sense, not the deep-learning one.
    """

    def transform(self, X):
        """The model's output for `X`."""
        return self._raw_predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # float64 in, float32 out
        return tags


class _TargetReshaper(TransformerMixin, BaseEstimator):
    """1-D targets as one column for the model, and the model's column back to 1-D."""

    def fit(self, y):
        self.ndim_ = np.ndim(y)
        return self

    def transform(self, y):
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def inverse_transform(self, y):
        check_is_fitted(self)
        return y[:, 0] if self.ndim_ == 1 and y.ndim == 2 and y.shape[1] == 1 else y
