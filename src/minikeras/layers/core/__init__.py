"""Core layers, as in `keras.layers` (Dense and Input are `minikeras.layers.dense` and
`minikeras.layers.input_layer`)."""

from minikeras.layers.core.embedding import Embedding
from minikeras.layers.core.identity import Identity
from minikeras.layers.core.lambda_layer import Lambda
from minikeras.layers.core.masking import Masking
from minikeras.layers.core import tf_op_layer  # noqa: F401  (Keras 2 files' TFOpLambda)

__all__ = ["Embedding", "Identity", "Lambda", "Masking"]
