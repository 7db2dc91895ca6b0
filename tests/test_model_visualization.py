"""`model_to_dot` against Keras 3's labels and edges (compat/make_model_dot.py), and
`plot_model`'s errors when pydot or Graphviz is missing."""

import json
import sys

import pytest

import functional_cases as fc
import minikeras as keras
from conftest import COMPAT_DATA
from minikeras import backend, layers, models, utils
from minikeras.utils import model_visualization

REFERENCE = json.loads((COMPAT_DATA / "model_dot.json").read_text())


def model():
    frozen = layers.Dense(2, name="out")
    frozen.trainable = False
    return models.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu",
                              name="hidden"), layers.Dropout(0.5, name="drop"), frozen],
                             name="seq")


def build(name):
    """The model of a reference entry, built after `clear_session()` as compat/make_model_dot.py
    builds it, so that automatic names are Keras'."""
    backend.clear_session()
    return model() if name == "seq" else fc.build(keras, name)


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


@pytest.mark.parametrize("case", REFERENCE, ids=lambda c: f"{c['model']}-{c['options']}")
def test_model_to_dot_matches_keras(case):
    """Labels in order, edges, graph and cluster attributes: a Sequential chain, and the DAGs
    of functional models (shared layers, several inputs and outputs, ops, mask edges, nested
    models drawn as one box or, with `expand_nested`, as clusters)."""
    assert describe(utils.model_to_dot(build(case["model"]), **case["options"])) == {
        k: case[k] for k in ("labels", "edges", "graph", "clusters")}


def test_plot_model_writes_dot_or_names_what_is_missing(tmp_path, monkeypatch):
    unbuilt = models.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="has not yet been built"):
        utils.plot_model(unbuilt)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        utils.model_to_dot(model(), colour="red")
    with pytest.raises(ValueError, match="`layer_range` is no longer supported"):
        utils.model_to_dot(model(), layer_range=["a", "b"])
    monkeypatch.setattr(model_visualization, "_check_graphviz", lambda pydot: None)
    utils.plot_model(model(), to_file=tmp_path / "m.raw", show_shapes=True)
    text = (tmp_path / "m.raw").read_text()
    assert "Output shape: <b>(None, 2)</b>" in text and "->" in text
    monkeypatch.setitem(sys.modules, "pydot", None)
    for function in (utils.plot_model, utils.model_to_dot):
        with pytest.raises(ImportError, match=r"install pydot \(`pip install pydot`\)"):
            function(model())


def test_plot_model_without_graphviz_names_it(monkeypatch):
    import pydot

    def no_dot(self, *args, **kwargs):
        raise FileNotFoundError("dot not found")

    monkeypatch.setattr(pydot.Dot, "create", no_dot)
    with pytest.raises(ImportError, match="You must install graphviz"):
        utils.plot_model(model())
