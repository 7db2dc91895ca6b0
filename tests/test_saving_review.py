"""Saving fixes from a code review: registered functions, single reads, symlinks and modes,
`max_shard_size`, malformed compile configs in `inspect`, one HDF5 layout rule, re-exports."""

import json
import os
import warnings
import zipfile

import h5py
import numpy as np
import pytest
from test_saving import FILES, FORMATS, quiet, save  # noqa: F401 (quiet: an autouse fixture)

import minikeras as mk
from minikeras.__main__ import main as cli
from minikeras.saving import atomic, file_info, legacy_h5, saving_api


def small_model(loss="mse"):
    model = mk.Sequential([mk.Input((3,)), mk.layers.Dense(2)])
    model.compile(optimizer="adam", loss=loss)
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    return model


def edit_config(path, edit):
    """Rewrite the config.json of the `.keras` archive at `path` with `edit(config)`."""
    with zipfile.ZipFile(path) as archive:
        contents = {info.filename: archive.read(info) for info in archive.infolist()}
    config = json.loads(contents["config.json"])
    edit(config)
    contents["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data)


# ----------------------------------------------------------------------------------------------
# A registered custom function in a `.keras` file


@pytest.fixture
def review_loss():
    @mk.saving.register_keras_serializable(package="review")
    def review_loss(y_true, y_pred):
        return mk.ops.mean((y_true - y_pred) ** 2, axis=-1)

    yield review_loss
    mk.saving.get_custom_objects().pop("review>review_loss")


# What Keras 3.15 writes for a loss registered as `register_keras_serializable(package="review")`.
KERAS_REGISTERED_LOSS = {"module": "builtins", "class_name": "function",
                         "config": "review>review_loss", "registered_name": "function"}


def test_registered_function_is_saved_as_keras_does_and_reloads(tmp_path, review_loss):
    path = tmp_path / "m.keras"
    small_model(review_loss).save(path)
    config = json.loads(zipfile.ZipFile(path).read("config.json"))
    assert config["compile_config"]["loss"] == KERAS_REGISTERED_LOSS
    assert mk.models.load_model(path).loss is review_loss


def test_registered_function_under_a_module_name_loads_and_unknown_ones_are_refused(
        tmp_path, review_loss):
    path = tmp_path / "m.keras"
    small_model(review_loss).save(path)
    # As minikeras wrote it before: the function's own module, which is never imported.
    edit_config(path, lambda c: c["compile_config"]["loss"].update(module="__main__"))
    assert mk.models.load_model(path).loss is review_loss
    edit_config(path, lambda c: c["compile_config"]["loss"].update(config="review>other"))
    with pytest.raises(TypeError, match=r"Refusing to load '__main__\.function'"):
        mk.models.load_model(path)


# ----------------------------------------------------------------------------------------------
# Each weight array is read once


def test_keras_load_reads_every_stored_array_once(monkeypatch):
    reads = []
    real = h5py.Dataset.__getitem__

    def counted(dataset, *args):
        reads.append(dataset.name)
        return real(dataset, *args)

    monkeypatch.setattr(h5py.Dataset, "__getitem__", counted)
    mk.models.load_model(FILES / "k3_adam.keras")
    assert reads and len(reads) == len(set(reads)), sorted(reads)


# ----------------------------------------------------------------------------------------------
# Atomic saves: symlinks, missing directories, modes


@pytest.mark.parametrize("filename", FORMATS)
def test_saving_through_a_symlink_keeps_the_link_and_replaces_its_target(tmp_path, filename):
    real_dir, link = tmp_path / "real", tmp_path / filename
    real_dir.mkdir()
    target = real_dir / filename
    model = small_model()
    save(model, target)
    link.symlink_to(target)
    model.layers[0].kernel.value[...] = 3
    save(model, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert os.listdir(real_dir) == [filename] and sorted(os.listdir(tmp_path)) == sorted([filename, "real"])
    loaded = (mk.models.load_model(target) if "m." in filename
              else mk.models.clone_model(model))
    if "w." in filename:
        loaded.load_weights(target)
    np.testing.assert_array_equal(loaded.layers[0].kernel.value, 3)


@pytest.mark.parametrize("filename", ["m.keras", "w.weights.h5", "w.h5"])
def test_saving_into_a_missing_directory_names_the_users_path(tmp_path, filename):
    path = tmp_path / "missing" / filename
    with pytest.raises(FileNotFoundError) as error:
        save(small_model(), path)
    assert error.value.filename == str(path) and ".tmp" not in str(error.value)


def test_saved_file_modes_come_without_touching_the_umask(tmp_path, monkeypatch):
    umask = os.umask(0o022)
    os.umask(umask)

    def no_umask(mask):
        raise AssertionError("os.umask() is process-wide: setting it races with other threads")

    written_modes, fsync = [], atomic._fsync

    def recording_fsync(path):
        written_modes.append(os.stat(path).st_mode & 0o7777)
        fsync(path)

    monkeypatch.setattr(os, "umask", no_umask)
    monkeypatch.setattr(atomic, "_fsync", recording_fsync)
    model, new, existing = small_model(), tmp_path / "new.keras", tmp_path / "old.keras"
    model.save(new)
    assert new.stat().st_mode & 0o7777 == 0o666 & ~umask
    model.save(existing)
    existing.chmod(0o600)
    model.save(existing)
    assert existing.stat().st_mode & 0o7777 == 0o600
    # While being written, a private file's replacement is private too.
    assert written_modes[-1] == 0o600
    assert sorted(os.listdir(tmp_path)) == ["new.keras", "old.keras"]


# ----------------------------------------------------------------------------------------------
# max_shard_size, as Keras 3 checks it; sharded files are not written


def test_max_shard_size_checks_the_name_as_keras_then_refuses_to_shard(tmp_path):
    model = small_model()
    with pytest.raises(ValueError, match=r"must end in `\.weights\.json` when `max_shard_size`"):
        saving_api.save_weights(model, tmp_path / "w.h5", max_shard_size=1)
    for name in ("w.weights.h5", "w.weights.json"):
        with pytest.raises(ValueError, match="does not write sharded weights"):
            saving_api.save_weights(model, tmp_path / name, max_shard_size=0.5)
    assert os.listdir(tmp_path) == []
    saving_api.save_weights(model, tmp_path / "w.weights.h5", max_shard_size=None)
    assert os.listdir(tmp_path) == ["w.weights.h5"]


# ----------------------------------------------------------------------------------------------
# inspect on malformed compile settings


@pytest.mark.parametrize("compile_config", ["adam", ["adam", "mse"]])
def test_describe_refuses_a_compile_config_that_is_not_a_dict(tmp_path, capsys, compile_config):
    path = tmp_path / "m.keras"
    small_model().save(path)
    edit_config(path, lambda c: c.update(compile_config=compile_config))
    with pytest.raises(ValueError, match="compile config must be a dict") as error:
        file_info.describe(path)
    assert str(path) in str(error.value)
    assert cli(["inspect", str(path)]) == 1
    assert "compile config must be a dict" in capsys.readouterr().err


def test_describe_tolerates_an_optimizer_config_that_is_not_a_dict(tmp_path):
    path = tmp_path / "m.keras"
    small_model().save(path)
    edit_config(path, lambda c: c["compile_config"]["optimizer"].update(config=[1]))
    assert "optimizer=Adam (learning_rate=None)" in file_info.describe(path)


# ----------------------------------------------------------------------------------------------
# One rule for "which HDF5 layout is this?"

LAYOUTS = {"k2_seed_weights.h5": "legacy_weights", "k3_adam.h5": "legacy_model",
           "k2_adam.h5": "legacy_model", "k3_adam.weights.h5": "keras3",
           "k2_adam.weights.h5": "keras3"}


@pytest.mark.parametrize("name", LAYOUTS)
def test_layout_of_keras_files(name):
    with h5py.File(FILES / name, "r") as h5file:
        assert legacy_h5.layout(h5file) == LAYOUTS[name]


def test_layout_of_a_file_without_keras_groups_is_none(tmp_path):
    with h5py.File(tmp_path / "empty.h5", "w") as h5file:
        h5file.create_group("other")
        assert legacy_h5.layout(h5file) is None


# ----------------------------------------------------------------------------------------------
# minikeras.saving re-exports saving_api


def test_saving_functions_are_saving_apis():
    for name in ("load_model", "save_model", "load_weights"):
        assert getattr(mk.saving, name) is getattr(saving_api, name)


def test_save_model_warning_names_the_callers_line(tmp_path):
    for save_h5 in (lambda path: mk.saving.save_model(model, path), lambda path: model.save(path)):
        model = small_model()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            save_h5(tmp_path / "m.h5")
        assert [w.filename for w in caught] == [__file__]
