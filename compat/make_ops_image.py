"""Record `keras.ops.image` under Keras 3 on TensorFlow for the cases of
tests/ops_image_cases.py, and for its `elastic_transform` cases the normal draw Keras made
(as `noise <case>`), which the test gives minikeras in place of its own draw.

Run under the oracle:  /tmp/oracle/bin/python compat/make_ops_image.py
Writes compat/data/ops_image.npz; tests/test_ops_image.py replays the cases.
"""

from case_files import record

from ops_image_cases import CASES, NOISE, arguments, noise_shape, run_case  # from tests/


def noise(name):
    """The draw `elastic_transform` makes for case `name` (both displacements use it)."""
    import tensorflow as tf
    from keras.src.random.seed_generator import draw_seed

    (images,), options = arguments(name)
    return tf.random.stateless_normal(noise_shape(name), dtype=images.dtype,
                                      seed=draw_seed(options["seed"])).numpy()


def run(keras, name):
    return noise(name[len("noise "):]) if name.startswith("noise ") else run_case(keras, name)


if __name__ == "__main__":
    record("ops_image.npz", [*CASES, *(f"noise {name}" for name in NOISE)], run)
