"""`image_dataset_from_directory`: a `tf.data.Dataset` of the images in class folders, read with
Pillow (needed only when this is called)."""

import numpy as np

from minikeras.utils import dataset_utils

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}
_PILLOW_MODES = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}
_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                   "mitchellcubic")


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf",
                                 verbose=True):
    """The images under `directory` as a dataset of `(images, labels)` batches: float32
    `(batch, height, width, channels)` resized to `image_size`, labels from the sub-folders
    (see Keras 3's documentation for the arguments). Images are read as the pipeline reaches
    them; Pillow resizes them, so pixels may differ slightly from TensorFlow's resize."""
    if color_mode not in _CHANNELS:
        raise ValueError('`color_mode` must be one of {"rgb", "rgba", "grayscale"}. '
                         f"Received: color_mode={color_mode}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError("Invalid `image_size` value. Expected a tuple of 2 integers. "
                         f"Received: image_size={image_size}")
    interpolation = interpolation.lower()
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"Argument `interpolation` should be one of {_INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be "
                         "set to `True`.")
    if format != "tf":
        raise ValueError(f'minikeras makes `tf.data` datasets only: `format` must be "tf". '
                         f"Received: format={format}")
    image_module = _pillow()
    channels_first = (data_format or "channels_last") == "channels_first"

    def load(path):
        with image_module.open(path) as image:
            image = _fit_aspect_ratio(_converted(image_module, image, color_mode), image_size,
                                      crop_to_aspect_ratio, pad_to_aspect_ratio)
            resample = _resampling(image_module, interpolation)
            pixels = np.asarray(image.resize(image_size[::-1], resample), dtype="float32")
        pixels = pixels.reshape(*image_size, _CHANNELS[color_mode])
        return np.moveaxis(pixels, -1, 0) if channels_first else pixels

    return dataset_utils.files_dataset(
        directory, labels, label_mode, class_names, batch_size, shuffle, seed,
        validation_split, subset, follow_links, verbose, ALLOWLIST_FORMATS, load,
        f"No images found in directory {directory}. Allowed formats: {ALLOWLIST_FORMATS}")


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("image_dataset_from_directory needs Pillow to read images: "
                          "`pip install Pillow`.") from None
    return Image


def _converted(image_module, image, color_mode):
    """`image` in `color_mode`. Grey levels are TensorFlow's PNG decoder's,
    `floor(0.299 R + 0.587 G + 0.114 B)` (Pillow rounds instead)."""
    if color_mode != "grayscale" or image.mode in ("L", "I", "F"):
        return image.convert(_PILLOW_MODES[color_mode])
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint32)
    grey = (rgb @ np.array([19595, 38470, 7471], dtype=np.uint32)) >> 16
    return image_module.fromarray(grey.astype(np.uint8), "L")


def _resampling(image_module, interpolation):
    """Pillow's nearest counterpart of a TensorFlow resize method."""
    filters = getattr(image_module, "Resampling", image_module)
    return {"nearest": filters.NEAREST, "bicubic": filters.BICUBIC, "area": filters.BOX,
            "lanczos3": filters.LANCZOS, "lanczos5": filters.LANCZOS,
            "mitchellcubic": filters.BICUBIC}.get(interpolation, filters.BILINEAR)


def _fit_aspect_ratio(image, size, crop, pad):
    """The largest centred crop of `image`, or `image` centred on a black canvas, with the
    aspect ratio of `size` (height, width); `image` itself when neither is asked."""
    if not (crop or pad):
        return image
    height, width = size
    w, h = image.size
    if crop:
        crop_w, crop_h = min(w, round(h * width / height)), min(h, round(w * height / width))
        left, top = (w - crop_w) // 2, (h - crop_h) // 2
        return image.crop((left, top, left + crop_w, top + crop_h))
    pad_w, pad_h = max(w, round(h * width / height)), max(h, round(w * height / width))
    canvas = _pillow().new(image.mode, (pad_w, pad_h))
    canvas.paste(image, ((pad_w - w) // 2, (pad_h - h) // 2))
    return canvas
