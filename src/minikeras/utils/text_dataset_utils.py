"""`text_dataset_from_directory`: a `tf.data.Dataset` of the text files in class folders."""

from minikeras.utils import dataset_utils


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                format="tf", verbose=True):
    """The `.txt` files under `directory` as a dataset of `(text, label)` batches, the texts as
    `bytes` (cut to `max_length` bytes), the labels from the sub-folders (see Keras 3's
    documentation for the arguments). Files are read as the pipeline reaches them."""
    if format != "tf":
        raise ValueError(f'minikeras makes `tf.data` datasets only: `format` must be "tf". '
                         f"Received: format={format}")

    def read(path):
        with open(path, "rb") as file:
            return file.read() if max_length is None else file.read(max_length)

    return dataset_utils.files_dataset(
        directory, labels, label_mode, class_names, batch_size, shuffle, seed,
        validation_split, subset, follow_links, verbose, (".txt",), read,
        f"No text files found in directory {directory}. Allowed format: .txt")
