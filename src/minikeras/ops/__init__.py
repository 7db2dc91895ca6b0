"""`keras.ops`: the numpy-like functions custom losses, metrics, regularizers, constraints,
initializers, activations and `Layer.call` methods are written with, in Keras 3's modules:
`core` (conversions, dtypes, shapes), `numpy`, `nn` (activations, crossentropies), `math`,
`linalg` and `image`. Each function is also `ops.<name>`, as in Keras.

On arrays they compute plainly; while a `GradientTape` records, the differentiable ones record
themselves on the tape (see `minikeras.ops.numpy`). Dtypes follow Keras 3
(`minikeras.ops._dtypes`).
"""

from minikeras.ops import core, image, linalg, math, nn, numpy  # noqa: F401  (submodules)
from minikeras.ops._dtypes import _result_dtype  # noqa: F401  (export's promotion)
from minikeras.ops.core import *  # noqa: F401,F403
from minikeras.ops.linalg import *  # noqa: F401,F403
from minikeras.ops.math import *  # noqa: F401,F403
from minikeras.ops.nn import *  # noqa: F401,F403
from minikeras.ops.numpy import *  # noqa: F401,F403

__all__ = sorted({*core.__all__, *numpy.__all__, *nn.__all__, *math.__all__, *linalg.__all__})
