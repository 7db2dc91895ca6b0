"""The models and options of compat/make_model_dot.py (Keras 3's `model_to_dot`) and
tests/test_model_visualization.py (minikeras'), built by the same code from `k`, the `keras`
module of either, and the description of a dot both compare."""

import functional_cases

OPTIONS = [
    {}, {"show_shapes": True}, {"show_shapes": True, "show_dtype": True, "show_trainable": True,
                                "show_layer_activations": True},
    {"show_layer_names": False, "rankdir": "LR", "dpi": 96},
]
# Functional models of tests/functional_cases.py: shared layers, several inputs and outputs,
# op nodes, masks, dict inputs and outputs, nested models both ways.
FUNCTIONAL = ["shared", "two_in_two_out", "merges", "op_nodes", "masked", "dict_io",
              "seq_in_func", "func_in_func", "func_in_seq"]
FUNCTIONAL_OPTIONS = [{}, {"show_shapes": True, "show_dtype": True},
                      {"expand_nested": True, "show_shapes": True}]
CASES = [("seq", o) for o in OPTIONS] + [(name, o) for name in FUNCTIONAL
                                          for o in FUNCTIONAL_OPTIONS]


def sequential(k):
    frozen = k.layers.Dense(2, name="out")
    frozen.trainable = False
    return k.Sequential([k.Input((3,)), k.layers.Dense(4, activation="relu", name="hidden"),
                         k.layers.Dropout(0.5, name="drop"), frozen], name="seq")


def build(k, name):
    """The model `name`, after `clear_session()` so that automatic names start again."""
    k.backend.clear_session()
    return sequential(k) if name == "seq" else functional_cases.build(k, name)


def describe(dot):
    """Node ids are Python object ids: the labels in order (a nested model's cluster's nodes
    after the graph's own), the edges as label indices, the graph attributes and each
    cluster's name and attributes."""
    def nodes(graph):
        return graph.get_nodes() + [n for sub in graph.get_subgraphs() for n in nodes(sub)]

    def edges(graph):
        return graph.get_edges() + [e for sub in graph.get_subgraphs() for e in edges(sub)]

    def clusters(graph):
        return [[sub.get_name(), {k: str(v) for k, v in sub.obj_dict["attributes"].items()}]
                + [clusters(sub)] for sub in graph.get_subgraphs()]

    every = nodes(dot)
    ids = [n.get_name() for n in every]
    return {"labels": [n.get("label") for n in every],
            "edges": [[ids.index(e.get_source()), ids.index(e.get_destination())]
                      for e in edges(dot)],
            "graph": {k: str(v) for k, v in dot.obj_dict["attributes"].items()},
            "clusters": clusters(dot)}
