"""`pad_sequences`, the legacy `Tokenizer` and `ImageDataGenerator` against Keras' outputs
(compat/make_preprocessing.py -> compat/data/preprocessing.{json,npz}), and the image file
functions by round trips through Pillow."""

import io
import json
import sys

import numpy as np
import pytest
from PIL import Image

from minikeras import backend, utils
from minikeras.preprocessing import image, sequence, text
from minikeras.preprocessing.image_transforms import apply_brightness_shift

from conftest import COMPAT_DATA

REFERENCE = json.loads((COMPAT_DATA / "preprocessing.json").read_text())
ARRAYS = dict(np.load(COMPAT_DATA / "preprocessing.npz"))
IMAGES, LABELS = ARRAYS["images"], ARRAYS["labels"]


def write_directory(folder):
    """The class folders of PNG files Keras read (their pixels are in the reference)."""
    for key, pixels in ARRAYS.items():
        if key.startswith("file:"):
            path = folder / key[len("file:"):]
            path.parent.mkdir(exist_ok=True)
            Image.fromarray(pixels).save(path)


# ---------------------------------------------------------------------------------------------
# pad_sequences


@pytest.mark.parametrize("case", REFERENCE["pad_sequences"], ids=lambda c: str(c["kwargs"]))
def test_pad_sequences_matches_keras(case):
    kwargs = {k: (object if v == "object" else v) for k, v in case["kwargs"].items()}
    out = utils.pad_sequences(case["input"], **kwargs)
    assert str(out.dtype) == case["dtype"] and list(out.shape) == case["shape"]
    assert out.tolist() == case["values"]


def test_pad_sequences_is_in_both_places_and_checks_arguments():
    assert sequence.pad_sequences is utils.pad_sequences
    with pytest.raises(ValueError, match='Padding type "middle" not understood'):
        utils.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match='Truncating type "x" not understood'):
        utils.pad_sequences([[1]], truncating="x")
    with pytest.raises(ValueError, match="dtype=object"):
        utils.pad_sequences([["a"]], value="-")
    with pytest.raises(ValueError, match="non-iterable: 3"):
        utils.pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="different from expected shape"):
        utils.pad_sequences([[[1, 2]], [[1, 2, 3]]])


# ---------------------------------------------------------------------------------------------
# Tokenizer

TEXT = REFERENCE["text"]
ALL_TEXTS = TEXT["texts"] + TEXT["new_texts"]


@pytest.mark.parametrize("case", TEXT["tokenizers"], ids=lambda c: str(c["kwargs"]))
def test_tokenizer_matches_keras(case):
    tokenizer = text.Tokenizer(**case["kwargs"])
    tokenizer.fit_on_texts(TEXT["texts"])
    assert tokenizer.word_index == case["word_index"]
    assert list(tokenizer.word_index) == list(case["word_index"])  # the order of equal counts
    assert dict(tokenizer.word_counts) == case["word_counts"]
    assert dict(tokenizer.word_docs) == case["word_docs"]
    assert tokenizer.document_count == case["document_count"]
    assert tokenizer.index_word == {i: w for w, i in case["word_index"].items()}
    sequences = tokenizer.texts_to_sequences(ALL_TEXTS)
    assert sequences == case["sequences"]
    assert tokenizer.sequences_to_texts(sequences) == case["texts"]
    for mode, matrix in case["matrices"].items():
        np.testing.assert_allclose(tokenizer.texts_to_matrix(ALL_TEXTS, mode=mode), matrix,
                                   rtol=1e-12, err_msg=mode)
    assert_same_json(tokenizer.to_json(), case["json"])


def assert_same_json(ours, keras):
    """The same JSON; `word_docs` and `index_docs` are in set order, which Python's string
    hashing varies from run to run (in Keras too), so only their contents are compared."""
    ours, keras = json.loads(ours), json.loads(keras)
    for table in ("word_docs", "index_docs"):
        assert json.loads(ours["config"].pop(table)) == json.loads(keras["config"].pop(table))
    assert ours == keras


@pytest.mark.parametrize("case", TEXT["tokenizers"], ids=lambda c: str(c["kwargs"]))
def test_tokenizer_from_keras_json_converts_as_keras_did(case):
    tokenizer = text.tokenizer_from_json(case["json"])
    assert tokenizer.texts_to_sequences(ALL_TEXTS) == case["sequences"]
    np.testing.assert_allclose(tokenizer.texts_to_matrix(ALL_TEXTS, mode="tfidf"),
                               case["matrices"]["tfidf"], rtol=1e-12)
    assert_same_json(tokenizer.to_json(), case["json"])


def test_text_functions_match_keras():
    assert [text.text_to_word_sequence(t) for t in TEXT["texts"]] == TEXT["word_sequences"]
    assert [text.text_to_word_sequence(t, filters=".", lower=False, split="a")
            for t in TEXT["texts"]] == TEXT["word_sequences_split"]
    assert [text.hashing_trick(t, 17, hash_function="md5")
            for t in TEXT["texts"]] == TEXT["md5_hashes"]
    words = text.one_hot("b a b c", 5)  # Python's hash: only its range and consistency
    assert all(1 <= w < 5 for w in words) and words[0] == words[2]


def test_tokenizer_errors():
    with pytest.raises(ValueError, match="fit on some text data first"):
        text.Tokenizer().texts_to_matrix(["a"])
    with pytest.raises(ValueError, match="before using tfidf"):
        text.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        text.Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="bag")
    with pytest.raises(TypeError, match="Unrecognized keyword arguments"):
        text.Tokenizer(words=3)
    with pytest.warns(UserWarning, match="renamed `num_words`"):
        assert text.Tokenizer(nb_words=3).num_words == 3


# ---------------------------------------------------------------------------------------------
# ImageDataGenerator


@pytest.mark.parametrize("index", range(len(REFERENCE["flow"])),
                         ids=[str(c["kwargs"]) for c in REFERENCE["flow"]])
def test_image_data_generator_flow_matches_keras(index):
    kwargs = REFERENCE["flow"][index]["kwargs"]
    generator = image.ImageDataGenerator(**kwargs)
    images = (IMAGES.transpose(0, 3, 1, 2) if kwargs.get("data_format")
              else IMAGES)
    if kwargs.get("featurewise_center"):
        generator.fit(images, augment=True, rounds=2, seed=3)
        np.testing.assert_allclose(generator.mean, ARRAYS[f"flow{index}_mean"], rtol=1e-5)
        if f"flow{index}_std" in ARRAYS:
            np.testing.assert_allclose(generator.std, ARRAYS[f"flow{index}_std"], rtol=1e-5)
    iterator = generator.flow(images, LABELS, batch_size=4, seed=11)
    assert len(iterator) == 2
    for b, (x, y) in enumerate([iterator[0], iterator[1], next(iterator)]):
        assert x.dtype == np.float32
        np.testing.assert_allclose(x, ARRAYS[f"flow{index}_x{b}"], rtol=1e-5, atol=1e-4)
        np.testing.assert_array_equal(y, ARRAYS[f"flow{index}_y{b}"])


@pytest.mark.parametrize("index", range(len(REFERENCE["directory"])))
def test_flow_from_directory_matches_keras(index, tmp_path, capsys):
    case = REFERENCE["directory"][index]
    write_directory(tmp_path)
    flow = {k: tuple(v) if k == "target_size" else v for k, v in case["flow"].items()}
    iterator = image.ImageDataGenerator(**case["generator"]).flow_from_directory(
        str(tmp_path), **flow)
    assert iterator.filenames == case["filenames"]
    assert iterator.classes.tolist() == case["classes"]
    assert iterator.class_indices == case["class_indices"] and len(iterator) == case["length"]
    assert f"Found {len(case['filenames'])} images belonging to 2 classes." in capsys.readouterr().out
    batch = iterator[0]
    x, y = batch if isinstance(batch, tuple) else (batch, None)
    np.testing.assert_allclose(x, ARRAYS[f"dir{index}_x"], rtol=1e-5, atol=1e-4)
    if y is not None:
        np.testing.assert_array_equal(y, ARRAYS[f"dir{index}_y"])


def test_flow_feeds_fit_and_validates():
    from minikeras import layers, models

    model = models.Sequential([layers.Input((9, 7, 3)), layers.Flatten(), layers.Dense(2)])
    model.compile("sgd", "sparse_categorical_crossentropy")
    generator = image.ImageDataGenerator(rescale=1 / 255.0, horizontal_flip=True)
    history = model.fit(generator.flow(IMAGES, LABELS % 2, batch_size=3, seed=0),
                        steps_per_epoch=2, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    with pytest.raises(ValueError, match="should have rank 4"):
        generator.flow(IMAGES[0])
    with pytest.raises(ValueError, match="should have the same length"):
        generator.flow(IMAGES, LABELS[:2])
    with pytest.raises(ValueError, match="`zoom_range` should be a float"):
        image.ImageDataGenerator(zoom_range=[1, 2, 3])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        image.ImageDataGenerator(validation_split=1.5)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        image.ImageDataGenerator(featurewise_center=True).standardize(IMAGES[0].copy())


def test_flow_subsets_and_extras():
    generator = image.ImageDataGenerator(validation_split=0.5)
    y = np.array([0, 1, 0, 1, 0, 1])
    validation = generator.flow(IMAGES, y, subset="validation", shuffle=False)
    training = generator.flow(IMAGES, y, subset="training", shuffle=False)
    np.testing.assert_array_equal(validation[0][0], IMAGES[:3])
    np.testing.assert_array_equal(training[0][0], IMAGES[3:])
    with pytest.raises(ValueError, match="different number of classes"):
        generator.flow(IMAGES, np.arange(6), subset="training")
    (x, extra), _, weights = generator.flow((IMAGES, np.arange(6) * 10), y,
                                            sample_weight=np.ones(6), shuffle=False)[0]
    assert x.shape == (6, 9, 7, 3) and extra.tolist() == [0, 10, 20, 30, 40, 50]
    assert weights.tolist() == [1] * 6


@pytest.mark.parametrize("brightness", [0.3, 0.77, 1.0, 1.6])
def test_brightness_is_pillows(brightness):
    """Pillow's ImageEnhance.Brightness on the 8-bit image, as Keras applies it."""
    from PIL import ImageEnhance

    x = IMAGES[0] + 0.6
    pil = ImageEnhance.Brightness(Image.fromarray(x.astype("uint8"))).enhance(brightness)
    np.testing.assert_array_equal(apply_brightness_shift(x, brightness, scale=False),
                                  np.asarray(pil, dtype="float32"))


# ---------------------------------------------------------------------------------------------
# Image files


@pytest.mark.parametrize("channels,mode", [(1, "L"), (3, "RGB"), (4, "RGBA")])
def test_array_to_img_and_back(channels, mode):
    x = np.random.RandomState(0).uniform(-1, 3, (5, 4, channels)).astype("float32")
    img = utils.array_to_img(x)
    assert img.mode == mode and img.size == (4, 5)
    scaled = (x - x.min()) / (x.max() - x.min()) * 255
    np.testing.assert_array_equal(utils.img_to_array(img), scaled.astype("uint8"))
    unscaled = utils.img_to_array(utils.array_to_img(np.floor(scaled), scale=False))
    np.testing.assert_array_equal(unscaled, np.floor(scaled))
    first = utils.img_to_array(img, data_format="channels_first", dtype="uint8")
    assert first.shape == (channels, 5, 4) and first.dtype == np.uint8


def test_save_and_load_img(tmp_path):
    x = np.random.RandomState(1).randint(0, 256, (6, 8, 3)).astype("float32")
    path = tmp_path / "a.png"
    utils.save_img(path, x, scale=False)
    np.testing.assert_array_equal(utils.img_to_array(utils.load_img(path)), x)
    gray = utils.load_img(str(path), color_mode="grayscale", target_size=(3, 4))
    assert gray.mode == "L" and gray.size == (4, 3)
    expected = Image.open(path).convert("L").resize((4, 3), Image.Resampling.NEAREST)
    np.testing.assert_array_equal(np.asarray(gray), np.asarray(expected))
    cropped = utils.load_img(path, target_size=(4, 4), keep_aspect_ratio=True)
    box = Image.open(path).resize((4, 4), Image.Resampling.NEAREST, box=[1, 0, 7, 6])
    np.testing.assert_array_equal(np.asarray(cropped), np.asarray(box))
    buffer = io.BytesIO()
    utils.save_img(buffer, x, file_format="jpeg")
    buffer.seek(0)
    assert utils.load_img(buffer, color_mode="rgba").mode == "RGBA"
    with pytest.warns(UserWarning, match="JPEG format does not support RGBA"):
        utils.save_img(tmp_path / "b.jpg", np.zeros((2, 2, 4)))
    with pytest.raises(ValueError, match="color_mode must be"):
        utils.load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="Invalid interpolation method cubic"):
        utils.load_img(path, target_size=(2, 2), interpolation="cubic")
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))
    assert image.load_img is utils.load_img and image.save_img is utils.save_img


def test_image_functions_name_pillow_when_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    for call in (lambda: utils.load_img("x.png"), lambda: utils.array_to_img(np.zeros((2, 2, 3)))):
        with pytest.raises(ImportError, match="requires PIL.*Pillow"):
            call()
    assert utils.img_to_array(np.zeros((2, 2))).shape == (2, 2, 1)  # needs no Pillow


def test_channels_first_default_follows_image_data_format():
    backend.set_image_data_format("channels_first")
    try:
        assert utils.img_to_array(np.zeros((2, 3, 3))).shape == (3, 2, 3)
    finally:
        backend.set_image_data_format("channels_last")
