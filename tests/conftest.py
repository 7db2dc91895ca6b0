import os
import pathlib

import numpy as np
import pytest

from minikeras import backend

COMPAT_DATA = pathlib.Path(__file__).resolve().parent.parent / "compat" / "data"


@pytest.fixture(autouse=True)
def fresh_session():
    """Every test starts with Keras' automatic names (`dense`, `dense_1`, ...) reset."""
    backend.clear_session(free_memory=False)  # no gc.collect per test
    backend.set_random_seed(0)
    yield


@pytest.fixture
def compat_data():
    return COMPAT_DATA


def finite_difference(f, x, eps=1e-6):
    """Central-difference gradient of the scalar function `f` at the float64 array `x`."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        up = f(x)
        flat[i] = saved - eps
        down = f(x)
        flat[i] = saved
        out[i] = (up - down) / (2 * eps)
    return grad


def training_gradients(model, x, y, sample_weight=None):
    """What `fit`'s default step computes before the optimizer: `(total loss, the gradient of
    each of model.trainable_variables)`, through the public tape API."""
    from minikeras import GradientTape

    with GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = model.compute_loss(x, y, y_pred, sample_weight)
    grads = tape.gradient(loss, model.trainable_variables)
    return float(getattr(loss, "value", loss)), grads


@pytest.fixture(scope="session")
def dask_client():
    """A two-worker dask.distributed cluster of processes on this machine, shared by the tests
    that need one (its workers start in a second each)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            yield client
