"""Core layers, as in `keras.layers` (Dense and Input are `minikeras.layers.dense` and
`minikeras.layers.input_layer`)."""

from minikeras.utils.lazy_names import lazy_names

_HOMES = {
    ".einsum_dense": ("EinsumDense",),
    ".embedding": ("Embedding",),
    ".identity": ("Identity",),
    ".lambda_layer": ("Lambda",),
    ".masking": ("Masking",),
    ".reversible_embedding": ("ReversibleEmbedding",),
    ".wrapper": ("Wrapper",),
    ".tf_op_layer": (),  # registers Keras 2 files' TFOpLambda and SlicingOpLambda
}
__all__, __getattr__, __dir__, _load_all = lazy_names(__name__, _HOMES)
