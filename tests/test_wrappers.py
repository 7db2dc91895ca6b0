"""minikeras.wrappers: Keras 3's scikit-learn wrappers, checked by scikit-learn itself, in
pipelines and searches, serial, in processes and on Dask."""

import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import make_classification, make_regression  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from minikeras import layers, models  # noqa: E402
from minikeras.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer  # noqa: E402


def dynamic_model(X, y, loss, out_activation="softmax", hidden=(10,), optimizer="rmsprop"):
    """Keras' test model: an MLP sized by the data it is given."""
    model = models.Sequential([layers.Input((X.shape[1],))])
    for units in hidden:
        model.add(layers.Dense(units, activation="relu"))
    model.add(layers.Dense(y.shape[1] if y.ndim > 1 else 1, activation=out_activation))
    model.compile(loss=loss, optimizer=optimizer)
    return model


QUIET = {"verbose": 0}

# Each check scikit-learn's own battery expects to fail, and why. With `random_state` set, the
# checks that Keras' test file declares for want of repeatable fits pass here.
DECISION_COLUMNS = ("decision_function is the model's raw output, one column per class, as in "
                    "Keras; scikit-learn expects a single score column for binary problems")
EXPECTED_FAILED_CHECKS = {
    "SKLearnClassifier": {
        "check_classifiers_train": DECISION_COLUMNS,
        "check_classifiers_classes": DECISION_COLUMNS,
        "check_methods_sample_order_invariance": (
            "float32 products: a row's output depends in its last bit on where the row falls in "
            "the batch (BLAS' edge kernels), so permuting samples moves outputs by up to 1 ulp "
            "(6e-8 measured, numpy 2.4 with OpenBLAS), beyond the check's rtol of 1e-7"
        ),
        "check_classifiers_one_label_sample_weights": (
            "a zero sample weight removes the sample's gradient, not its class: the model keeps "
            "an output for that class, which a few epochs on 10 samples do not silence"
        ),
    },
    "SKLearnRegressor": {
        "check_regressor_multioutput": (
            "predictions are float32 (Keras' floatx), where scikit-learn expects float64"
        ),
    },
    "SKLearnTransformer": {},
}


@parametrize_with_checks(
    [
        SKLearnClassifier(
            model=dynamic_model,
            model_kwargs={"loss": "categorical_crossentropy", "hidden": [20, 20, 20]},
            fit_kwargs={"epochs": 5, **QUIET},
            random_state=0,
        ),
        SKLearnRegressor(model=dynamic_model, model_kwargs={"loss": "mse", "out_activation": None},
                         fit_kwargs=QUIET, random_state=0),
        SKLearnTransformer(model=dynamic_model, model_kwargs={"loss": "mse", "out_activation": None},
                           fit_kwargs=QUIET, random_state=0),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS[type(estimator).__name__],
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


# ----------------------------------------------------------------------------------------------
# In scikit-learn's tools

CLASSIFIER = {"model": dynamic_model, "model_kwargs": {"loss": "categorical_crossentropy"},
              "fit_kwargs": {"epochs": 3, **QUIET}, "random_state": 0}


@pytest.fixture(scope="module")
def digits():
    X, y = make_classification(n_samples=120, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)
    return X.astype("float32"), y


def test_random_state_makes_fits_repeat_and_warm_start_goes_on(digits):
    X, y = digits
    first = SKLearnClassifier(**CLASSIFIER).fit(X, y)
    second = SKLearnClassifier(**CLASSIFIER).fit(X, y)
    np.testing.assert_array_equal(first.decision_function(X), second.decision_function(X))
    assert first.epoch_ == 3 and set(first.history_) == {"loss"}
    other = SKLearnClassifier(**{**CLASSIFIER, "random_state": 1}).fit(X, y)
    assert not np.array_equal(first.decision_function(X), other.decision_function(X))
    # Warm start trains the fitted model on; a cold refit starts from fresh weights again.
    warm = SKLearnClassifier(**{**CLASSIFIER, "warm_start": True}).fit(X, y)
    trained = warm.model_
    warm.fit(X, y)
    assert warm.model_ is trained
    assert warm.history_["loss"][0] < first.history_["loss"][0]
    assert SKLearnClassifier(**CLASSIFIER).fit(X, y).fit(X, y).history_ == first.history_


def test_a_seeded_fit_repeats_while_another_thread_draws_from_random(digits):
    import random
    import threading

    X, y = digits
    quiet = SKLearnClassifier(**CLASSIFIER).fit(X, y).decision_function(X)
    stop = threading.Event()
    thread = threading.Thread(target=lambda: [random.random() for _ in iter(stop.is_set, True)])
    thread.start()  # a Dask worker's event loop draws so, at its own times
    try:
        busy = SKLearnClassifier(**CLASSIFIER).fit(X, y).decision_function(X)
    finally:
        stop.set()
        thread.join()
    np.testing.assert_array_equal(busy, quiet)


def test_a_compiled_model_is_cloned_with_its_compile_settings(digits):
    X, y = digits
    model = dynamic_model(X, np.zeros((1, 3)), loss="categorical_crossentropy", optimizer="adam")
    before = [w.copy() for w in model.get_weights()]
    estimator = SKLearnClassifier(model, fit_kwargs={"epochs": 2, **QUIET}).fit(X, y)
    assert estimator.model_ is not model
    assert type(estimator.model_.optimizer).__name__ == "Adam"
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    with pytest.raises(RuntimeError, match="needs to be compiled"):
        SKLearnClassifier(models.Sequential([layers.Dense(3)])).fit(X, y)
    with pytest.raises(TypeError, match="must be a compiled minikeras `Model` or a callable"):
        SKLearnClassifier("mlp").fit(X, y)


def test_classifier_regressor_transformer_in_pipelines_and_cross_validation(digits):
    X, y = digits
    classifier = make_pipeline(StandardScaler(), SKLearnClassifier(**{
        **CLASSIFIER, "fit_kwargs": {"epochs": 100, "batch_size": 16, **QUIET},
        "model_kwargs": {"loss": "categorical_crossentropy", "optimizer": "adam"}}))
    scores = cross_val_score(classifier, X, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.6  # chance is 1/3
    Xr, yr = make_regression(n_samples=90, n_features=4, noise=0.1, random_state=0)
    regressor = make_pipeline(StandardScaler(), SKLearnRegressor(
        dynamic_model, model_kwargs={"loss": "mse", "out_activation": None, "optimizer": "adam"},
        fit_kwargs={"epochs": 60, **QUIET}, random_state=0))
    regressor.fit(Xr, yr / yr.std())
    assert regressor.predict(Xr).shape == (90,) and regressor.score(Xr, yr / yr.std()) > 0.5
    embed = SKLearnTransformer(dynamic_model, model_kwargs={"loss": "mse", "hidden": [6]},
                               fit_kwargs=QUIET, random_state=0)
    features = make_pipeline(embed, StandardScaler()).fit_transform(X, np.eye(3)[y])
    assert features.shape == (120, 3)


def _grid(n_jobs):
    return GridSearchCV(SKLearnClassifier(**CLASSIFIER),
                        {"model_kwargs": [{"loss": "categorical_crossentropy", "hidden": [h]}
                                          for h in (4, 16)]},
                        cv=2, n_jobs=n_jobs)


@pytest.mark.slow  # two worker processes start
def test_grid_search_in_processes_finds_what_the_serial_search_finds(digits):
    X, y = digits
    serial = _grid(None).fit(X, y)
    parallel = _grid(2).fit(X, y)  # joblib's default backend: loky worker processes
    np.testing.assert_allclose(parallel.cv_results_["mean_test_score"],
                               serial.cv_results_["mean_test_score"])
    assert parallel.best_params_ == serial.best_params_
    np.testing.assert_array_equal(parallel.predict(X), serial.predict(X))


@pytest.mark.slow  # a cluster of two worker processes starts (once per session)
def test_grid_search_on_a_dask_cluster(digits, dask_client):
    import joblib

    X, y = digits
    serial = _grid(None).fit(X, y)
    with joblib.parallel_backend("dask"):
        distributed = _grid(-1).fit(X, y)
    np.testing.assert_allclose(distributed.cv_results_["mean_test_score"],
                               serial.cv_results_["mean_test_score"])


def test_a_fitted_estimator_pickles_small_and_predicts_the_same(digits):
    X, y = digits
    estimator = SKLearnClassifier(**{**CLASSIFIER, "model_kwargs": {
        "loss": "categorical_crossentropy", "hidden": [512], "optimizer": "adam"}}).fit(X, y)
    data = pickle.dumps(estimator)
    again = pickle.loads(data)
    np.testing.assert_array_equal(again.decision_function(X), estimator.decision_function(X))
    # A model that trained pickles to the size of one that never did (to the pickle's own
    # bookkeeping): weights and Adam's two slots (3 x 24.6 KB), the archive's headers, and
    # none of the gradients, scratch buffers or batches of training (3 x 24.6 KB and more).
    assert abs(len(pickle.dumps(again)) - len(data)) < 1_000
    weights = sum(w.nbytes for w in estimator.model_.get_weights())
    assert 3 * weights < len(data) < 3 * weights + 25_000
