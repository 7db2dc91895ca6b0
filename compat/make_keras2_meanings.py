"""A Keras 2 file whose names mean something else in Keras 3 (run under the oracle).

    TF_USE_LEGACY_KERAS=1 /tmp/oracle/bin/python compat/make_keras2_meanings.py

tf_keras' `hard_sigmoid` is `clip(0.2 x + 0.5, 0, 1)`; Keras 3's is `relu6(x + 3) / 6`. Writes
compat/data/files/k2_hard_sigmoid.h5 and .keras, with an input and tf_keras' predictions.
"""

import os

import numpy as np
import tf_keras as keras

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "files")

keras.utils.set_random_seed(3)
model = keras.Sequential([
    keras.layers.Dense(4, activation="hard_sigmoid", input_shape=(3,)),
    keras.layers.Dense(2, activation="hard_sigmoid"),
])
x = np.random.default_rng(0).uniform(-6, 6, size=(8, 3)).astype("float32")
model.save(os.path.join(OUT, "k2_hard_sigmoid.h5"))
model.save(os.path.join(OUT, "k2_hard_sigmoid.keras"))
np.savez(os.path.join(OUT, "k2_hard_sigmoid.npz"), x=x, prediction=model.predict(x, verbose=0))
