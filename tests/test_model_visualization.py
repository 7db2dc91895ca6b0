"""`model_to_dot` against Keras 3's labels and edges (compat/make_model_dot.py), and
`plot_model`'s errors when pydot or Graphviz is missing."""

import json
import sys

import pytest

from conftest import COMPAT_DATA
from minikeras import layers, models, utils
from minikeras.utils import model_visualization

REFERENCE = json.loads((COMPAT_DATA / "model_dot.json").read_text())


def model():
    frozen = layers.Dense(2, name="out")
    frozen.trainable = False
    return models.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu",
                              name="hidden"), layers.Dropout(0.5, name="drop"), frozen],
                             name="seq")


def describe(dot):
    nodes = dot.get_nodes()
    ids = [n.get_name() for n in nodes]
    return {"labels": [n.get("label") for n in nodes],
            "edges": [[ids.index(e.get_source()), ids.index(e.get_destination())]
                      for e in dot.get_edges()],
            "graph": {k: str(v) for k, v in dot.obj_dict["attributes"].items()}}


@pytest.mark.parametrize("case", REFERENCE, ids=lambda c: str(c["options"]))
def test_model_to_dot_matches_keras(case):
    assert describe(utils.model_to_dot(model(), **case["options"])) == {
        k: case[k] for k in ("labels", "edges", "graph")}


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
