"""TensorBoard event files read back by the `tensorboard` package's own reader, BackupAndRestore
resuming an interrupted fit, RemoteMonitor offline."""

import json
import urllib.error
import urllib.parse

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util

from minikeras import callbacks, layers, models
from minikeras.callbacks import event_file


def make_model(seed=0):
    rng = np.random.default_rng(seed)
    model = models.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"),
                               layers.Dense(1)])
    model.compile("adam", "mse", metrics=["mae"])
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], dtype="float32"))[:, None]
    return model, x, y


def read_events(folder):
    """{tag: [(step, value array)]} of every event file in `folder`, by tensorboard's reader."""
    accumulator = event_accumulator.EventAccumulator(
        str(folder), size_guidance={event_accumulator.TENSORS: 0})
    accumulator.Reload()
    return {tag: [(e.step, tensor_util.make_ndarray(e.tensor_proto))
                  for e in accumulator.Tensors(tag)]
            for tag in accumulator.Tags()["tensors"]}


def test_crc32c_and_record_framing():
    assert event_file.crc32c(b"123456789") == 0xE3069283  # the standard check value
    record = event_file.tfrecord(b"abc")
    assert len(record) == 8 + 4 + 3 + 4 and record[12:15] == b"abc"


def test_tensorboard_epoch_scalars_match_history(tmp_path):
    model, x, y = make_model()
    history = model.fit(x, y, epochs=3, batch_size=10, validation_split=0.25, verbose=0,
                        callbacks=[callbacks.TensorBoard(tmp_path, histogram_freq=1)])
    train, validation = read_events(tmp_path / "train"), read_events(tmp_path / "validation")
    for name in ("loss", "mae"):
        steps, values = zip(*train[f"epoch_{name}"])
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history.history[name], rtol=1e-6)
        steps, values = zip(*validation[f"epoch_{name}"])
        np.testing.assert_allclose(values, history.history[f"val_{name}"], rtol=1e-6)
    assert [float(v) for _, v in train["epoch_learning_rate"]] == pytest.approx([0.001] * 3)
    steps, values = zip(*validation["evaluation_loss_vs_iterations"])
    assert steps == (3, 6, 9)  # optimizer iterations at each validation
    np.testing.assert_allclose(values, history.history["val_loss"], rtol=1e-6)
    kernel = train["sequential/dense/kernel/histogram"]
    assert [step for step, _ in kernel] == [0, 1, 2]
    buckets = kernel[-1][1]
    assert buckets.shape == (30, 3) and buckets[:, 2].sum() == 12  # 3x4 weights
    np.testing.assert_allclose(buckets[[0, -1], [0, 1]],
                               [model.layers[0].get_weights()[0].min(),
                                model.layers[0].get_weights()[0].max()], rtol=1e-6)
    assert not any(tag.startswith("batch_") for tag in train)


@pytest.mark.parametrize("update_freq, steps", [("batch", [1, 2, 3, 4, 5, 6, 7, 8]),
                                                (3, [3, 6])])
def test_tensorboard_batch_scalars(tmp_path, update_freq, steps):
    model, x, y = make_model()
    seen = []
    recorder = callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(logs))
    model.fit(x, y, epochs=2, batch_size=10, verbose=0,
              callbacks=[recorder, callbacks.TensorBoard(tmp_path, update_freq=update_freq)])
    events = read_events(tmp_path / "train")["batch_loss"]
    assert [step for step, _ in events] == steps
    np.testing.assert_allclose([v for _, v in events], [seen[s - 1]["loss"] for s in steps],
                               rtol=1e-6)


def test_tensorboard_arguments():
    with pytest.raises(ValueError, match="Profiling is not yet available"):
        callbacks.TensorBoard(profile_batch=2)
    with pytest.raises(ValueError, match="update_freq"):
        callbacks.TensorBoard(update_freq="sometimes")
    with pytest.warns(UserWarning, match="write_images"):
        callbacks.TensorBoard(write_images=True)


class Interrupt(callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("interrupted")


def test_backup_and_restore_resumes_at_the_right_epoch(tmp_path):
    backup = tmp_path / "backup"
    model, x, y = make_model()
    reference, _, _ = make_model()
    reference.set_weights(model.get_weights())
    full = reference.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup), Interrupt(2)])
    metadata = json.loads((backup / "training_metadata.json").read_text())
    assert metadata == {"epoch": 2, "batch": 0}
    fresh, _, _ = make_model(seed=1)  # a new process: nothing but the backup carries over
    epochs = []
    resumed = fresh.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                        callbacks=[callbacks.BackupAndRestore(backup),
                                   callbacks.LambdaCallback(
                                       on_epoch_begin=lambda e, logs: epochs.append(e))])
    assert epochs == [2, 3]
    np.testing.assert_allclose(resumed.history["loss"], full.history["loss"][2:], rtol=1e-5)
    for ours, theirs in zip(fresh.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    assert not backup.exists()  # deleted once training completed


def test_backup_and_restore_batch_frequency_and_double_checkpoint(tmp_path):
    backup = tmp_path / "b"
    model, x, y = make_model()
    saves = []
    callback = callbacks.BackupAndRestore(backup, save_freq=3, double_checkpoint=True,
                                          delete_checkpoint=False)
    original = callback._save_model
    callback._save_model = lambda: (saves.append(callback._last_batch_seen), original())
    model.fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[callback])
    assert saves == [2, 1]  # after 3 and 6 batches (4 batches an epoch)
    assert (backup / "latest.weights.h5.bkp").exists()
    assert (backup / "training_metadata.json.bkp").exists()
    with pytest.raises(ValueError, match="Expected either 'epoch' or an integer"):
        callbacks.BackupAndRestore(backup, save_freq="often")
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        callbacks.BackupAndRestore("")


def test_remote_monitor_warns_when_the_server_is_unreachable(monkeypatch):
    model, x, y = make_model()
    posted = []

    def unreachable(request, timeout):
        posted.append(request)
        raise urllib.error.URLError("[Errno 111] Connection refused")

    monkeypatch.setattr("urllib.request.urlopen", unreachable)
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server at "
                                         "http://localhost:9000"):
        history = model.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.RemoteMonitor()])
    assert len(history.history["loss"]) == 2 and len(posted) == 2
    assert posted[0].full_url == "http://localhost:9000/publish/epoch/end/"
    body = urllib.parse.parse_qs(posted[1].data.decode())
    sent = json.loads(body["data"][0])
    assert sent["epoch"] == 1 and sent["loss"] == pytest.approx(history.history["loss"][1])
    as_json = callbacks.RemoteMonitor(send_as_json=True)._request({"epoch": 0})
    assert json.loads(as_json.data) == {"epoch": 0}
