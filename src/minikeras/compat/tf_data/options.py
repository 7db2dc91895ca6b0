"""`tf.data.Options`."""


class Options:
    """Accepted for `with_options`; there is nothing to tune."""

    def __init__(self):
        self.experimental_deterministic = True
        self.deterministic = True
