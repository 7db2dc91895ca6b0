"""Keras 3's `model_to_dot` labels and edges -> compat/data/model_dot.json.

Run under the oracle with pydot importable (see make_preprocessing.py for a venv beside the
oracle): `python compat/make_model_dot.py`. Node ids are Python object ids, so only the labels,
in order, the edges as label indices, and the graph attributes are recorded.
"""

import json
import pathlib

import keras

OPTIONS = [
    {}, {"show_shapes": True}, {"show_shapes": True, "show_dtype": True, "show_trainable": True,
                                "show_layer_activations": True},
    {"show_layer_names": False, "rankdir": "LR", "dpi": 96},
]


def model():
    keras.utils.set_random_seed(0)
    frozen = keras.layers.Dense(2, name="out")
    frozen.trainable = False
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu",
                             name="hidden"), keras.layers.Dropout(0.5, name="drop"), frozen],
                            name="seq")


def describe(dot):
    nodes = dot.get_nodes()
    ids = [n.get_name() for n in nodes]
    return {"labels": [n.get("label") for n in nodes],
            "edges": [[ids.index(e.get_source()), ids.index(e.get_destination())]
                      for e in dot.get_edges()],
            "graph": {k: str(v) for k, v in dot.obj_dict["attributes"].items()}}


def main():
    out = [{"options": o, **describe(keras.utils.model_to_dot(model(), **o))} for o in OPTIONS]
    path = pathlib.Path(__file__).resolve().parent / "data" / "model_dot.json"
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
