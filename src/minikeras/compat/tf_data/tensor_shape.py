"""`tf.TensorShape`: a shape whose unknown sizes are None."""


class TensorShape(tuple):
    """A shape whose unknown sizes are None: a tuple, with TensorFlow's `as_list` and `rank`."""

    def __new__(cls, dims=()):
        return super().__new__(cls, () if dims is None else (
            None if d is None or d == -1 else int(d) for d in dims))

    @property
    def rank(self):
        return len(self)

    def as_list(self):
        return list(self)

    def is_compatible_with(self, other):
        other = tuple(other)
        return len(self) == len(other) and all(
            a is None or b is None or a == b for a, b in zip(self, other))

    def __repr__(self):
        return f"TensorShape({list(self)})"
