"""`TensorBoard`: scalars (per epoch, and per batch with `update_freq`) and weight histograms,
in event files the `tensorboard` program reads, written without TensorFlow."""

import os
import time
import warnings

import numpy as np

from minikeras.callbacks.callback import Callback
from minikeras.callbacks.event_file import EventFileWriter


class TensorBoard(Callback):
    """Log training for TensorBoard: `log_dir/train` and `log_dir/validation` event files.

    Tags are Keras 3's: `epoch_<metric>` at each epoch (with `epoch_learning_rate`), the
    validation ones under `validation/`; `batch_<metric>` every `update_freq` batches;
    `evaluation_<metric>_vs_iterations` after each validation; `<weight path>/histogram`
    every `histogram_freq` epochs.

    Args:
        log_dir: the folder of the logs.
        histogram_freq: epochs between weight histograms (0: none).
        write_graph, write_images, embeddings_freq, embeddings_metadata: accepted; no graph,
            weight images or embeddings are written.
        write_steps_per_second: also log `epoch_steps_per_second` and `batch_steps_per_second`.
        update_freq: "epoch" (default), "batch" (every batch) or a number of batches.
        profile_batch: must be 0: there is no profiler (as in Keras on the numpy backend).
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        if update_freq != "epoch" and update_freq != "batch" and (
                not isinstance(update_freq, int) or update_freq < 1):
            raise ValueError("Unrecognized `update_freq`: expected 'epoch', 'batch' or a "
                             f"positive integer. Received: update_freq={update_freq}")
        if profile_batch:
            raise ValueError(
                "Profiling is not yet available with the numpy backend. Received: "
                f"profile_batch={profile_batch} (must be 0)")
        if write_images or embeddings_freq:
            warnings.warn("TensorBoard: minikeras writes scalars and histograms only; "
                          "`write_images` and `embeddings_freq` are ignored.", stacklevel=2)
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph, self.write_images = write_graph, write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.profile_batch = profile_batch
        self.embeddings_freq, self.embeddings_metadata = embeddings_freq, embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._global_test_batch = 0

    def _writer(self, which):
        if which not in self._writers:
            self._writers[which] = EventFileWriter(os.path.join(self.log_dir, which))
        return self._writers[which]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._epoch_start_iterations = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def _record_batch(self):
        return self.update_freq != "epoch" and self._global_train_batch % self.update_freq == 0

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if not self._record_batch():
            return
        writer, step = self._writer("train"), self._global_train_batch
        if self.write_steps_per_second:
            writer.scalar("batch_steps_per_second", 1.0 / max(time.time() - self._batch_start, 1e-9),
                          step)
        for name, value in (logs or {}).items():
            writer.scalar(f"batch_{name}", value, step)

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None:
            return
        writer = self._writer("validation")
        for name, value in (logs or {}).items():
            writer.scalar(f"evaluation_{name}_vs_iterations", value, int(optimizer.iterations))
        writer.flush()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start = time.time()
            self._epoch_start_iterations = int(self.model.optimizer.iterations)

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            train["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        if self.write_steps_per_second:
            steps = int(optimizer.iterations) - self._epoch_start_iterations
            train["steps_per_second"] = steps / max(time.time() - self._epoch_start, 1e-9)
        for which, values in (("train", train), ("validation", validation)):
            for name, value in values.items():
                self._writer(which).scalar(f"epoch_{name}", value, epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                writer.histogram(f"{name}/histogram", np.asarray(weight.value), epoch)
