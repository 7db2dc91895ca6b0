"""fit keeps freed memory for the next step (utils/heap.py): a convnet's steps stop faulting
fresh pages in, where glibc's defaults give thousands of faults a step."""

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc's malloc")

SCRIPT = """
import resource
import numpy as np
import minikeras as keras
rng = np.random.default_rng(0)
x = rng.random((512, 28, 28, 1), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 512)]
model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"),
    keras.layers.MaxPooling2D(2), keras.layers.Conv2D(64, 3, activation="relu"),
    keras.layers.MaxPooling2D(2), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x, y, batch_size=128, epochs=1, verbose=0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
model.fit(x, y, batch_size=128, epochs=2, verbose=0)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 8)
"""


def _faults_per_step(**env):
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          check=True, env={**os.environ, "OPENBLAS_NUM_THREADS": "1", **env})
    return float(done.stdout.split()[-1])


def test_fit_steps_reuse_freed_memory_instead_of_faulting_pages_in():
    # A step's temporaries are ~30 MB (7,500 pages); kept, a step faults in almost none.
    assert _faults_per_step() < 200
    # Left to glibc's defaults (the opt-out), the same steps fault thousands of pages each:
    # what the tuning removes, and a check that this test measures something.
    assert _faults_per_step(MINIKERAS_RETAIN_FREED_MEMORY="0") > 1000


def test_malloc_is_tuned_once_per_process():
    from minikeras.utils import heap

    heap.retain_freed_memory()  # whatever an earlier fit did
    assert heap.retain_freed_memory() is False
