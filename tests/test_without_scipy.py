"""scipy is an optional extra: what needed it (exact gelu, ops.erf, STFT windows) computes with
numpy to scipy's precision in float32, and the seed model runs where scipy cannot be imported."""

import subprocess
import sys

import numpy as np
import pytest

from minikeras import initializers, special

scipy_special = pytest.importorskip("scipy.special")
scipy_signal = pytest.importorskip("scipy.signal")

# Both tails, the switch between the series and the fit at 0.5, and the region near 0 where erf
# must keep its relative precision.
POINTS = np.concatenate([
    np.linspace(-9, 9, 4001), np.geomspace(1e-30, 0.5, 200), -np.geomspace(1e-30, 0.5, 200),
    [0.0, 0.4999999, 0.5, 0.5000001, 26.0, -26.0],
])


@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_error_functions_match_scipy_to_float32_precision(name):
    ours = getattr(special, name)(POINTS)
    theirs = getattr(scipy_special, name)(POINTS)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, theirs, rtol=2e-7, atol=1e-300)
    points = POINTS.astype("float32")
    single = getattr(special, name)(points)
    assert single.dtype == np.float32
    exact = getattr(scipy_special, name)(points.astype("float64")).astype("float32")
    np.testing.assert_allclose(single, exact, rtol=2.5e-7, atol=1e-37)


WINDOWS = ["hann", "hamming", "blackman", "blackmanharris", "nuttall", "flattop", "boxcar",
           "bartlett", "han", "rect", "brt"]


@pytest.mark.parametrize("name", WINDOWS)
@pytest.mark.parametrize("periodic", [False, True])
def test_stft_windows_match_scipy(name, periodic):
    for length in (1, 2, 3, 16, 255):
        np.testing.assert_allclose(
            initializers._window(name, length, periodic),
            scipy_signal.get_window(name, length, fftbins=periodic),
            rtol=1e-12, atol=1e-15,
        )


WITHOUT_SCIPY = """
import sys
sys.modules["scipy"] = None  # `import scipy` and its submodules now raise ImportError
import warnings
warnings.simplefilter("ignore")
import numpy as np
from minikeras.models import Sequential, load_model
from minikeras.layers import Dense
from minikeras import activations, initializers, ops, utils
utils.set_random_seed(1)
model = Sequential()
model.add(Dense(64, activation='gelu', input_shape=(10,)))
model.add(Dense(64, activation='relu'))
model.add(Dense(10, activation='softmax'))
model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
x = np.random.default_rng(0).normal(size=(64, 10)).astype('float32')
y = utils.to_categorical(np.arange(64) % 10, 10)
model.fit(x, y, epochs=2, batch_size=16, verbose=0)
model.save(sys.argv[1])
again = load_model(sys.argv[1])
assert np.array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
print(float(ops.erf(np.float32(0.5))), float(activations.gelu(np.float32(1.0))))
print(initializers.STFT()((4, 1, 3)).shape)
try:
    initializers.STFT(window="kaiser")
except ImportError as error:
    print(error)
"""


def test_seed_model_trains_saves_and_loads_where_scipy_cannot_be_imported(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", WITHOUT_SCIPY, str(tmp_path / "seed.keras")],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    values, stft, missing = out.stdout.splitlines()
    erf, gelu = values.split()
    assert float(erf) == pytest.approx(scipy_special.erf(0.5), rel=1e-7)
    assert float(gelu) == pytest.approx(0.5 * scipy_special.erfc(-1 / np.sqrt(2)), rel=1e-7)
    assert stft == "(4, 1, 3)"
    assert missing.startswith("The STFT window 'kaiser' needs scipy: `pip install minikeras-numpy[scipy]`")
