"""`model_to_dot` against Keras 3's labels and edges (compat/make_model_dot.py), and
`plot_model`'s errors when pydot or Graphviz is missing."""

import json
import sys

import pytest

import minikeras as keras
import model_dot_cases as cases
from conftest import COMPAT_DATA
from minikeras import layers, models, utils
from minikeras.utils import model_visualization

REFERENCE = json.loads((COMPAT_DATA / "model_dot.json").read_text())


def model():
    return cases.sequential(keras)


@pytest.mark.parametrize("case", REFERENCE, ids=lambda c: f"{c['model']}-{c['options']}")
def test_model_to_dot_matches_keras(case):
    """Labels in order, edges, graph and cluster attributes: a Sequential chain, and the DAGs
    of functional models (shared layers, several inputs and outputs, ops, mask edges, nested
    models drawn as one box or, with `expand_nested`, as clusters)."""
    dot = utils.model_to_dot(cases.build(keras, case["model"]), **case["options"])
    assert cases.describe(dot) == {
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


def test_a_subclassed_model_is_one_box():
    import numpy as np

    class Tower(models.Model):
        def __init__(self):
            super().__init__(name="tower")
            self.dense = layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    tower = Tower()
    tower(np.zeros((1, 3), "float32"))
    described = cases.describe(utils.model_to_dot(tower, show_shapes=True))
    assert described["edges"] == [] and len(described["labels"]) == 2  # the defaults, the box
    assert "<b>tower</b> (Tower)" in described["labels"][1]
    assert "Input shape: <b>?</b>" in described["labels"][1]
