"""A converter for each minikeras layer class, by family, written against the layers' public
attributes and `get_weights()`: what a layer computes at inference. Importing this package
registers them all."""

from minikeras.export.layers import (  # noqa: F401  (each module registers its converters)
    attention, convolutional, core, image, image_color, merging, models, normalization, pooling,
    preprocessing, recurrent, reshaping,
)
