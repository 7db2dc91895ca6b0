"""`timeseries_dataset_from_array`: sliding windows over an array, as a `tf.data.Dataset`."""

import numpy as np


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None, format="tf"):
    """Batches of windows of `sequence_length` steps of `data` (every `sampling_rate`-th row),
    one starting every `sequence_stride` rows between `start_index` and `end_index`; with
    `targets`, window `i` is paired with `targets[i]`. Windows are cut as batches are asked
    for, from the array given: nothing is copied ahead."""
    _check(len(data), start_index, end_index, sampling_rate, sequence_stride)
    if format != "tf":
        raise ValueError(f'minikeras makes `tf.data` datasets only: `format` must be "tf". '
                         f"Received: format={format}")
    from minikeras.compat import tf_data

    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:  # Keras: the window order is a numpy permutation seeded by `seed`
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(starts)
    offsets = np.arange(sequence_length) * sampling_rate
    series = np.asarray(data)[start_index:end_index]

    def windows(first):
        return series[first[:, None] + offsets] if first.ndim else series[first + offsets]

    dataset = tf_data.Dataset.from_tensor_slices(starts)
    if targets is not None:
        target_rows = np.asarray(targets)[start_index:]
        dataset = dataset.map(lambda first: (windows(np.asarray(first)),
                                             target_rows[np.asarray(first)]))
    else:
        dataset = dataset.map(lambda first: windows(np.asarray(first)))
    if batch_size is not None:
        if shuffle:
            dataset = dataset.shuffle(buffer_size=batch_size * 8, seed=seed)
        return dataset.batch(batch_size)
    return dataset.shuffle(buffer_size=1024, seed=seed) if shuffle else dataset


def _check(length, start_index, end_index, sampling_rate, sequence_stride):
    """Keras' argument checks, with its messages."""
    if start_index:
        if start_index < 0:
            raise ValueError(f"`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= length:
            raise ValueError(f"`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length {length}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(f"`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= length:
            raise ValueError(f"`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length {length}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= length:
            raise ValueError(f"`{name}` must be lower than the length of the data. Received: "
                             f"{name}={value}, for data of length {length}")
