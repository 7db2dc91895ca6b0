"""keras.InputSpec on user layers, keras.name_scope's variable paths, and the accepted
placement scopes (device, remat, RematScope). Expected messages and paths are what Keras 3.15
gives for the same code (run under the oracle by hand; the code is in each test)."""

import numpy as np
import pytest

import minikeras as keras


class Spec2D(keras.Layer):
    def __init__(self):
        super().__init__()
        self.input_spec = keras.InputSpec(ndim=2, axes={-1: 3})

    def call(self, x):
        return x * 2


class NamedPair(keras.Layer):
    def __init__(self):
        super().__init__()
        self.input_spec = [keras.InputSpec(ndim=2, name="a"), keras.InputSpec(ndim=2, name="b")]

    def call(self, x):
        return x["a"] + x["b"]


INCOMPATIBLE = "Input 0 with name 'None' of layer '{}' is incompatible with the layer: "


@pytest.mark.parametrize("x, message", [
    (np.zeros((2, 4)), "expected axis -1 of input shape to have value 3, but received input "
                       "with shape (2, 4)"),
    (np.zeros((2, 3, 1)), "expected ndim=2, found ndim=3. Full shape received: (2, 3, 1)"),
])
def test_input_spec_refuses_an_array_as_keras(x, message):
    layer = Spec2D()
    np.testing.assert_array_equal(layer(np.ones((2, 3))), np.full((2, 3), 2.0))
    with pytest.raises(ValueError) as caught:
        layer(x)
    assert str(caught.value) == INCOMPATIBLE.format(layer.name) + message


def test_input_spec_refuses_a_symbolic_input():
    layer = Spec2D()
    with pytest.raises(ValueError) as caught:
        layer(keras.Input((5,)))
    assert str(caught.value) == INCOMPATIBLE.format(layer.name) + (
        "expected axis -1 of input shape to have value 3, but received input with shape "
        "(None, 5)")
    assert layer(keras.Input((3,))).shape == (None, 3)


def test_named_input_specs():
    layer = NamedPair()
    np.testing.assert_array_equal(layer({"a": np.ones((1, 2)), "b": np.ones((1, 2))}),
                                  np.full((1, 2), 2.0))
    with pytest.raises(ValueError, match=r'^Missing data for input "b"\. You passed a data '
                       r"dictionary with keys \['a'\]\. Expected the following keys: "
                       r"\['a', 'b'\]$"):
        layer({"a": np.ones((1, 2))})
    with pytest.raises(ValueError) as caught:
        layer([np.ones((1, 2))])
    assert str(caught.value) == (
        f"Layer \"{layer.name}\" expects 2 named input(s) with keys ['a', 'b'], but it received "
        "1 input tensors. Pass inputs as a dict, e.g. `layer({'a': ..., 'b': ...})`.")


def test_input_spec_itself():
    spec = keras.InputSpec(shape=(None, 3), dtype="float32")
    assert repr(spec) == "InputSpec(dtype=float32, shape=(None, 3), ndim=2)"
    assert keras.InputSpec(ndim=2).get_config() == {
        "dtype": None, "shape": None, "ndim": 2, "max_ndim": None, "min_ndim": None, "axes": {},
        "optional": False}
    assert keras.InputSpec.from_config(spec.get_config()).shape == (None, 3)
    assert keras.layers.InputSpec is keras.InputSpec
    with pytest.raises(ValueError, match="^Axis 3 is greater than the maximum allowed value: 1$"):
        keras.InputSpec(ndim=2, axes={3: 1})
    with pytest.raises(TypeError, match=r"^Argument `axes` must be a dict with integer keys\. "
                       r"Received: axes=\{'x': 1\}$"):
        keras.InputSpec(axes={"x": 1})


def test_input_spec_checks_dtype_and_squeezes_the_last_axis():
    class Squeezing(keras.Layer):
        def __init__(self):
            super().__init__()
            self.input_spec = keras.InputSpec(shape=(None, 28, 28, 1),
                                              allow_last_axis_squeeze=True, dtype="float32")

        def call(self, x):
            return x

    layer = Squeezing()
    assert layer(np.zeros((2, 28, 28), "float32")).shape == (2, 28, 28)
    with pytest.raises(ValueError, match=r"expected shape=\(None, 28, 28, 1\), found "
                                         r"shape=\(2, 28, 27\)$"):
        layer(np.zeros((2, 28, 27), "float32"))


def test_name_scope_prefixes_variable_paths():
    with keras.name_scope("foo"):
        assert keras.Variable(1.0, name="v").path == "foo/v"
        dense = keras.layers.Dense(2)
        dense.build((None, 3))
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="dd")])
    assert dense.kernel.path == f"foo/{dense.name}/kernel"
    assert model.weights[0].path == f"foo/{model.name}/dd/kernel"
    late = keras.layers.Dense(2)
    with keras.name_scope("foo"):
        pass
    late.build((None, 3))
    assert late.kernel.path == f"{late.name}/kernel"  # the scope open when it is made counts
    with keras.name_scope("a"), keras.name_scope("b"):
        assert keras.Variable(1.0, name="w").path == "a/b/w"
    with keras.name_scope("outer"), keras.name_scope("inner", override_parent="abs/path"):
        assert keras.Variable(1.0, name="w").path == "abs/path/inner/w"
    caller = object()
    with keras.name_scope("s", caller=caller), keras.name_scope("s", caller=caller):
        assert keras.Variable(1.0, name="w").path == "s/w"  # deduplicated
    assert keras.Variable(1.0, name="w").path == "w"
    with pytest.raises(ValueError, match=r"^Argument `name` must be a string and cannot contain "
                                         r"character `/`\. Received: name=a/b$"):
        keras.name_scope("a/b")


def test_placement_scopes_change_nothing():
    def double(x):
        return x * 2

    with keras.device("gpu:0"), keras.RematScope(mode="larger_than", output_size_threshold=8):
        assert keras.remat(double) is double
    with pytest.raises(ValueError, match=r"^Expecting a string device name\. Got <class 'int'>"
                                         r"\(3\)$"):
        with keras.device(3):
            pass
    with pytest.raises(ValueError, match="^Invalid mode 'some'"):
        keras.RematScope(mode="some")


def test_set_backend_sets_keras_backend_and_keeps_numpy(monkeypatch):
    import os

    from minikeras import backend

    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert backend.set_backend("jax") is None
    assert os.environ["KERAS_BACKEND"] == "jax" and backend.backend() == "numpy"


def test_operation_and_function_are_keras_3s_bases_of_computations():
    import minikeras as mk
    from minikeras import ops

    class Softsign2(mk.Operation):  # a user op, as Keras 3 writes them
        def call(self, x, scale):
            return scale * x / (1 + ops.abs(x))

        def compute_output_spec(self, x, scale):
            return mk.KerasTensor(x.shape, x.dtype)

    x = np.array([[-3.0, 0.0, 1.0]], "float32")
    np.testing.assert_allclose(Softsign2()(x, 2.0), [[-1.5, 0.0, 1.0]])
    inputs = mk.Input((3,))
    outputs = Softsign2()(inputs, 2.0)
    assert outputs.shape == (None, 3)
    fn = mk.Function(inputs, ops.tanh(outputs))
    np.testing.assert_allclose(fn(x), np.tanh([[-1.5, 0.0, 1.0]]), rtol=1e-6)
    assert isinstance(mk.layers.Dense(2), mk.Operation) and isinstance(fn, mk.Operation)
    assert isinstance(mk.Model(inputs, outputs), mk.Function)
