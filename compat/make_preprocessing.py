"""Reference outputs of Keras' preprocessing -> compat/data/preprocessing.{json,npz}.

Run under the oracle with Pillow importable (the oracle lacks it: a venv whose site-packages
list the oracle's through a `.pth` file, plus `pip install Pillow`, will do):
`python compat/make_preprocessing.py`. Records `pad_sequences` (Keras 3), the legacy
`Tokenizer` and text functions, and `ImageDataGenerator.flow` / `flow_from_directory` batches
with a seed, on small inputs defined here and stored beside the outputs (the images in the
`.npz`, the texts, sequences and settings in the JSON), from which tests/test_preprocessing.py
rebuilds the same inputs and compares.
"""

import json
import os
import pathlib
import tempfile
import warnings

import numpy as np
from PIL import Image

from keras.preprocessing.sequence import pad_sequences
from keras.src.legacy.preprocessing import text
from keras.src.legacy.preprocessing.image import ImageDataGenerator

DATA = pathlib.Path(__file__).resolve().parent / "data"

PAD_INPUT = [[1], [2, 3], [4, 5, 6, 7], [], [8, 9]]
PAD_CASES = [
    {}, {"maxlen": 3}, {"maxlen": 3, "padding": "post"}, {"maxlen": 3, "truncating": "post"},
    {"maxlen": 6, "padding": "post", "truncating": "post", "value": -1},
    {"dtype": "float32", "value": 0.5},
]
FLOAT_SEQUENCES = [[1.7, -2.5], [0.25]]
STRING_SEQUENCES = [["a", "bb"], ["ccc"]]
STEP_SEQUENCES = [[[1, 2], [3, 4]], [[5, 6]]]

TEXTS = [
    "The cat sat on the mat.", "The dog ate my homework!", "Cats and dogs; dogs and cats.",
    "A bird, a plane?", "the THE tHe",
]
TOKENIZERS = [
    {}, {"num_words": 5}, {"oov_token": "<OOV>"}, {"num_words": 6, "oov_token": "<OOV>"},
    {"lower": False}, {"char_level": True}, {"filters": "", "split": " "},
]
NEW_TEXTS = ["the cat and the bird", "an unknown word, the dog"]

# One image set for flow(): 6 images of 9x7 with 3 channels, whole numbers in [0, 255).
IMAGES = np.floor(np.random.RandomState(0).uniform(0, 255, (6, 9, 7, 3))).astype("float32")
LABELS = np.arange(6)
GENERATORS = [
    {}, {"rotation_range": 30}, {"width_shift_range": 0.2, "height_shift_range": 0.3},
    {"width_shift_range": 2, "height_shift_range": [1, 3]}, {"shear_range": 20},
    {"zoom_range": 0.3}, {"zoom_range": [0.8, 1.1], "fill_mode": "constant", "cval": 7.0},
    {"horizontal_flip": True, "vertical_flip": True}, {"brightness_range": [0.5, 1.5]},
    {"channel_shift_range": 40.0}, {"rescale": 1 / 255.0},
    {"samplewise_center": True, "samplewise_std_normalization": True},
    {"featurewise_center": True, "featurewise_std_normalization": True},
    {"rotation_range": 15, "fill_mode": "reflect", "zoom_range": 0.1},
    {"rotation_range": 15, "fill_mode": "wrap", "width_shift_range": 0.1},
    {"rotation_range": 40, "width_shift_range": 0.2, "height_shift_range": 0.2,
     "shear_range": 0.2, "zoom_range": 0.2, "horizontal_flip": True, "rescale": 1 / 255.0},
    {"data_format": "channels_first", "rotation_range": 25, "featurewise_center": True},
]
# Images for flow_from_directory: class folder -> sizes of its PNG files (RGB), made from a seed.
DIRECTORY_IMAGES = {"cats": [(10, 8), (12, 12), (8, 10)], "dogs": [(9, 9), (10, 8)]}


def directory_files():
    """`{relative path: RGB pixels}` of the PNG files flow_from_directory reads."""
    files, seed = {}, 0
    for name, sizes in DIRECTORY_IMAGES.items():
        for i, size in enumerate(sizes):
            pixels = np.random.RandomState(seed).randint(0, 256, (*size, 3)).astype("uint8")
            files[f"{name}/img{i}.png"] = pixels
            seed += 1
    return files


def write_directory(folder, files):
    for path, pixels in files.items():
        os.makedirs(os.path.join(folder, os.path.dirname(path)), exist_ok=True)
        Image.fromarray(pixels).save(os.path.join(folder, path))


def pad_references():
    cases = [{"kwargs": kwargs, "input": PAD_INPUT} for kwargs in PAD_CASES]
    cases += [{"kwargs": {"dtype": "float32"}, "input": FLOAT_SEQUENCES},
              {"kwargs": {}, "input": FLOAT_SEQUENCES},
              {"kwargs": {"dtype": object, "value": "-"}, "input": STRING_SEQUENCES},
              {"kwargs": {"dtype": "<U3", "value": "-", "padding": "post"},
               "input": STRING_SEQUENCES},
              {"kwargs": {"maxlen": 3}, "input": STEP_SEQUENCES}]
    for case in cases:
        out = pad_sequences(case["input"], **case["kwargs"])
        case["kwargs"] = {k: ("object" if v is object else v) for k, v in case["kwargs"].items()}
        case.update(dtype=str(out.dtype), shape=list(out.shape), values=out.tolist())
    return cases


def tokenizer_references():
    results = []
    for kwargs in TOKENIZERS:
        tokenizer = text.Tokenizer(**kwargs)
        tokenizer.fit_on_texts(TEXTS)
        sequences = tokenizer.texts_to_sequences(TEXTS + NEW_TEXTS)
        results.append({
            "kwargs": kwargs, "word_index": tokenizer.word_index,
            "word_counts": dict(tokenizer.word_counts), "word_docs": dict(tokenizer.word_docs),
            "document_count": tokenizer.document_count, "sequences": sequences,
            "texts": tokenizer.sequences_to_texts(sequences),
            "matrices": {mode: tokenizer.texts_to_matrix(TEXTS + NEW_TEXTS, mode=mode).tolist()
                         for mode in ("binary", "count", "tfidf", "freq")},
            "json": tokenizer.to_json(),
        })
    return {
        "texts": TEXTS, "new_texts": NEW_TEXTS, "tokenizers": results,
        "word_sequences": [text.text_to_word_sequence(t) for t in TEXTS],
        "word_sequences_split": [text.text_to_word_sequence(t, filters=".", lower=False,
                                                            split="a") for t in TEXTS],
        "md5_hashes": [text.hashing_trick(t, 17, hash_function="md5") for t in TEXTS],
    }


def generator_references(arrays):
    cases = []
    for i, kwargs in enumerate(GENERATORS):
        generator = ImageDataGenerator(**kwargs)
        images = IMAGES.transpose(0, 3, 1, 2) if kwargs.get("data_format") else IMAGES
        if kwargs.get("featurewise_center"):
            generator.fit(images, augment=True, rounds=2, seed=3)
            arrays[f"flow{i}_mean"] = generator.mean
            if generator.std is not None:
                arrays[f"flow{i}_std"] = generator.std
        iterator = generator.flow(images, LABELS, batch_size=4, seed=11)
        for b, (x, y) in enumerate([iterator[0], iterator[1], next(iterator)]):
            arrays[f"flow{i}_x{b}"], arrays[f"flow{i}_y{b}"] = x, y
        cases.append({"kwargs": kwargs, "batches": 3})
    return cases


def directory_references(arrays):
    cases, files = [], directory_files()
    arrays.update({f"file:{path}": pixels for path, pixels in files.items()})
    with tempfile.TemporaryDirectory() as folder:
        write_directory(folder, files)
        for i, (gen_kwargs, flow_kwargs) in enumerate([
            ({"rescale": 1 / 255.0}, {"target_size": (8, 8), "batch_size": 2, "seed": 5}),
            ({"horizontal_flip": True, "rotation_range": 10},
             {"target_size": (6, 7), "batch_size": 3, "seed": 2, "class_mode": "binary",
              "color_mode": "grayscale", "interpolation": "bilinear"}),
            ({"validation_split": 0.4}, {"target_size": (5, 5), "subset": "validation",
                                         "shuffle": False, "class_mode": "sparse"}),
            ({}, {"target_size": (6, 6), "keep_aspect_ratio": True, "shuffle": False,
                  "class_mode": None, "color_mode": "rgba"}),
        ]):
            iterator = ImageDataGenerator(**gen_kwargs).flow_from_directory(folder, **flow_kwargs)
            batch = iterator[0]
            x, y = batch if isinstance(batch, tuple) else (batch, None)
            arrays[f"dir{i}_x"] = x
            if y is not None:
                arrays[f"dir{i}_y"] = y
            cases.append({"generator": gen_kwargs, "flow": flow_kwargs,
                          "filenames": iterator.filenames, "classes": iterator.classes.tolist(),
                          "class_indices": iterator.class_indices, "length": len(iterator)})
    return cases


def main():
    warnings.simplefilter("ignore")
    arrays = {"images": IMAGES, "labels": LABELS}
    reference = {
        "pad_sequences": pad_references(), "text": tokenizer_references(),
        "flow": generator_references(arrays), "directory": directory_references(arrays),
    }
    (DATA / "preprocessing.json").write_text(json.dumps(reference, indent=1) + "\n")
    np.savez_compressed(DATA / "preprocessing.npz", **arrays)


if __name__ == "__main__":
    main()
