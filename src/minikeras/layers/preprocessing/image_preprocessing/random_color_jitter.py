"""`RandomColorJitter`: random brightness, contrast, saturation and hue in turn, in
training."""

from minikeras.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
    BaseImagePreprocessingLayer,
)
from minikeras.layers.preprocessing.image_preprocessing.random_brightness import (
    RandomBrightness,
)
from minikeras.layers.preprocessing.image_preprocessing.random_contrast import RandomContrast
from minikeras.layers.preprocessing.image_preprocessing.random_hue import RandomHue
from minikeras.layers.preprocessing.image_preprocessing.random_saturation import (
    RandomSaturation,
)
from minikeras.saving import registry

# The adjustments in the order they are made: name -> layer class
_ADJUSTMENTS = {"brightness": RandomBrightness, "contrast": RandomContrast,
                "saturation": RandomSaturation, "hue": RandomHue}


@registry.register("layer", module="keras.layers")
class RandomColorJitter(BaseImagePreprocessingLayer):
    """In training, the adjustments whose factor is given, in this order: RandomBrightness,
    RandomContrast, RandomSaturation, RandomHue (each with its own factor, `value_range` and
    draws, from this layer's generator); the identity at inference.

    As in Keras 3.15, the adjustments are made in the default data format (`data_format` is
    not handed to them).

    Args:
        value_range: the range of the pixels (default `(0, 255)`).
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the `factor` of
            each adjustment (see its layer), or None (the default) to leave it out.
        seed: integer seed of the layer's generator.
    """

    _random = True

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, seed=seed, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self._adjustments = {}
        for name, cls in _ADJUSTMENTS.items():
            factor = getattr(self, f"{name}_factor")
            if factor is not None:
                adjustment = cls(factor=factor, value_range=value_range, seed=seed)
                adjustment._rng = self._rng  # its draws are this layer's
                self._adjustments[name] = adjustment

    def _draw(self, shape):
        return {name: adjustment._draw(shape)
                for name, adjustment in self._adjustments.items()}

    def _apply(self, images, transformation):
        records = []
        for name, adjustment in self._adjustments.items():
            images, ctx = adjustment._apply(images, transformation[name])
            records.append((adjustment, ctx))
        return images, records

    def _adjoint(self, records, grad):
        for adjustment, ctx in reversed(records):
            grad = adjustment._transform_backward(ctx, grad)
        return grad

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor,
                "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor,
                "seed": self.seed}
