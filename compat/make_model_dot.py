"""Keras 3's `model_to_dot` labels and edges -> compat/data/model_dot.json.

Run under the oracle with pydot importable (see make_preprocessing.py for a venv beside the
oracle): `python compat/make_model_dot.py`. Node ids are Python object ids, so only the labels,
in order (the nodes of a nested model's cluster after the graph's own), the edges as label
indices, the graph attributes and each cluster's name and attributes are recorded.

The models: a Sequential (`seq`), and functional ones of tests/functional_cases.py (shared
layers, several inputs and outputs, op nodes, masks, nested models both ways, dict inputs and
outputs), each built after `clear_session()` so that automatic names start again.
"""

import json
import os
import pathlib
import sys

import keras

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "tests"))
import functional_cases  # noqa: E402

OPTIONS = [
    {}, {"show_shapes": True}, {"show_shapes": True, "show_dtype": True, "show_trainable": True,
                                "show_layer_activations": True},
    {"show_layer_names": False, "rankdir": "LR", "dpi": 96},
]
FUNCTIONAL = ["shared", "two_in_two_out", "merges", "op_nodes", "masked", "dict_io",
              "seq_in_func", "func_in_func", "func_in_seq"]
FUNCTIONAL_OPTIONS = [{}, {"show_shapes": True, "show_dtype": True},
                      {"expand_nested": True, "show_shapes": True}]


def model():
    keras.utils.set_random_seed(0)
    frozen = keras.layers.Dense(2, name="out")
    frozen.trainable = False
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu",
                             name="hidden"), keras.layers.Dropout(0.5, name="drop"), frozen],
                            name="seq")


def build(name):
    keras.backend.clear_session()
    return model() if name == "seq" else functional_cases.build(keras, name)


def describe(dot):
    def nodes(graph):
        return graph.get_nodes() + [n for sub in graph.get_subgraphs() for n in nodes(sub)]

    def clusters(graph):
        return [[sub.get_name(), {k: str(v) for k, v in sub.obj_dict["attributes"].items()}]
                + [clusters(sub)] for sub in graph.get_subgraphs()]

    def edges(graph):
        return graph.get_edges() + [e for sub in graph.get_subgraphs() for e in edges(sub)]

    every = nodes(dot)
    ids = [n.get_name() for n in every]
    return {"labels": [n.get("label") for n in every],
            "edges": [[ids.index(e.get_source()), ids.index(e.get_destination())]
                      for e in edges(dot)],
            "graph": {k: str(v) for k, v in dot.obj_dict["attributes"].items()},
            "clusters": clusters(dot)}


def main():
    cases = [("seq", o) for o in OPTIONS] + [(name, o) for name in FUNCTIONAL
                                              for o in FUNCTIONAL_OPTIONS]
    out = [{"model": name, "options": o, **describe(keras.utils.model_to_dot(build(name), **o))}
           for name, o in cases]
    path = pathlib.Path(__file__).resolve().parent / "data" / "model_dot.json"
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
