"""The Dask recipe of docs/scale-out.md, run on a local cluster: the model is sent to the
workers once, each block is predicted where it lies, and workers keep one BLAS thread."""

import numpy as np
import pytest

import minikeras as mk

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")


def predict_blocks(block, model):
    return model.predict(block, verbose=0)


@pytest.mark.slow  # shares the session's two-process cluster
def test_dask_map_blocks_predicts_what_the_model_predicts(dask_client):
    model = mk.Sequential([mk.Input((8,)), mk.layers.Dense(16, activation="relu"),
                           mk.layers.Dense(3, activation="softmax")])
    features = np.random.default_rng(0).normal(size=(1000, 8)).astype("float32")

    # The recipe: the model goes into the graph once, as one delayed value every task shares.
    x = da.from_array(features, chunks=(250, 8))
    shared = dask.delayed(model, traverse=False)
    outputs = model.output_shape[1:]
    predictions = x.map_blocks(predict_blocks, model=shared, chunks=(x.chunks[0], outputs),
                               meta=np.empty((0, *outputs), "float32"))
    graph = dict(predictions.__dask_graph__())
    blocks = [key for key in graph if key[0] == predictions.name]
    assert len(blocks) == 4
    assert all(shared.key in dask.core.get_dependencies(graph, key) for key in blocks)

    np.testing.assert_allclose(predictions.compute(), model.predict(features, verbose=0),
                               rtol=1e-6, atol=1e-7)

    def threads():
        from minikeras import backend

        return backend.get_blas_threads(), backend.blas_threads_for(4096, 4096)

    # Dask starts workers with one BLAS thread; minikeras never raises it.
    assert set(dask_client.run(threads).values()) == {(1, 1)}
