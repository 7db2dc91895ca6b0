"""`FeatureSpace`: Keras' one-stop preprocessing of structured data (a dict of columns).

Each named feature has a preprocessing layer (Normalization, Rescaling, Discretization,
IntegerLookup, StringLookup, Hashing, or one the user gives), adapted on a dataset of dicts;
pairs (or more) of features are crossed by `HashedCrossing` over their preprocessed values;
categorical outputs are one-hot encoded, and the encoded features are returned concatenated in
one vector or as a dict. As in Keras, the features are ordered by name, then the crosses by
name; the same layers make a functional graph from `get_inputs()` to `get_encoded_features()`,
and a FeatureSpace saves to and loads from Keras' `.keras` file.
"""

import numpy as np

from minikeras import backend, layers, tree
from minikeras.core.tensor import as_tensor
from minikeras.layers.base import Layer
from minikeras.layers.merging.concatenate import Concatenate
from minikeras.saving import registry

# Where Keras defines these classes, which its configs name.
_MODULE = "keras.src.layers.preprocessing.feature_space"


@registry.register("layer", module=_MODULE)
class TFDIdentity(Layer):
    """A plain float feature's preprocessor: its input as float32 (integers too, as Keras)."""

    _registered_name = "TFDIdentity"

    def build(self, input_shape=None):
        """No weights: built on the first call, which records the input shape (the layer's
        build config), as in Keras."""

    def forward(self, inputs):
        return inputs, None

    def backward(self, ctx, grad, grads):
        return grad


@registry.register("layer", module=_MODULE)
class TFDConcat(Concatenate):
    """The concatenation of the encoded features (floats in float32)."""

    _registered_name = "TFDConcat"


class Cross:
    """A cross of features, hashed into `crossing_dim` bins (`FeatureSpace.cross`)."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of {'int', 'one_hot'}. "
                f"Received: output_mode={output_mode}"
            )
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """A feature: the dtype of its input, its preprocessing layer and how its output is encoded
    ("int", "one_hot" or "float": `FeatureSpace.feature`)."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of "
                f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode}"
            )
        self.dtype = dtype
        # A preprocessor read from a config is not built from the build config it declares:
        # the FeatureSpace's own build config builds it (once the loader has checked the
        # file's weights against it); until then its config declares the same.
        self._declared_build_config = None
        if isinstance(preprocessor, dict):
            self._declared_build_config = preprocessor.get("build_config")
            unbuilt = {k: v for k, v in preprocessor.items() if k != "build_config"}
            preprocessor = registry.deserialize("layer", unbuilt)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        preprocessor = registry.serialize(self.preprocessor)
        if not self.preprocessor.built and self._declared_build_config:
            preprocessor["build_config"] = self._declared_build_config
        return {"dtype": self.dtype, "preprocessor": preprocessor,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _serialize(part):
    """A `Feature` or `Cross` as Keras serializes it (they are a FeatureSpace's own parts, read
    only by `_deserialize`: the registry does not know them)."""
    name = type(part).__name__
    return {"module": _MODULE, "class_name": name, "config": part.get_config(),
            "registered_name": name}


def _deserialize(config, expected):
    """A `Feature` or `Cross` from its Keras config (nothing else is accepted there)."""
    if config.get("class_name") != expected.__name__ or not isinstance(config.get("config"),
                                                                      dict):
        raise TypeError(f"Expected a {expected.__name__} config. Received: {config}")
    return expected.from_config(config["config"])


@registry.register("layer", module="keras.utils")
class FeatureSpace(Layer):
    """Preprocess and encode a dict of structured-data columns, as Keras' `FeatureSpace`.

    Args:
        features: `{name: type}`, each type a string ("float", "float_rescaled",
            "float_normalized", "float_discretized", "integer_categorical",
            "string_categorical", "integer_hashed", "string_hashed": the defaults) or a
            `Feature` from one of the class methods (`FeatureSpace.float_normalized()`, ...).
        output_mode: "concat" (one float vector per sample) or "dict" (the encoded features
            by name).
        crosses: features to cross, as tuples of names or `FeatureSpace.cross(...)`.
        crossing_dim: the number of hash bins of a cross given as a tuple of names.
        hashing_dim: the number of bins of the "integer_hashed" and "string_hashed" types.
        num_discretization_bins: the number of bins of the "float_discretized" type.
    """

    _saved_as_a_file = True  # `save()` writes a `.keras` file that `load_model` reads

    # Feature types. A preprocessor is named after the feature (`<name>_preprocessor`), or,
    # when no name is given, after its type with the process-wide counter of layer names.

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or backend.unique_name("float")
        return Feature("float32", TFDIdentity(dtype="float32", name=f"{name}_preprocessor"),
                       "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        name = name or backend.unique_name("float_rescaled")
        preprocessor = layers.Rescaling(scale=scale, offset=offset,
                                        name=f"{name}_preprocessor")
        return Feature("float32", preprocessor, "float")

    @classmethod
    def float_normalized(cls, name=None):
        name = name or backend.unique_name("float_normalized")
        preprocessor = layers.Normalization(axis=-1, name=f"{name}_preprocessor")
        return Feature("float32", preprocessor, "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        name = name or backend.unique_name("float_discretized")
        preprocessor = layers.Discretization(num_bins=num_bins, bin_boundaries=bin_boundaries,
                                             name=f"{name}_preprocessor")
        return Feature("float32", preprocessor, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                            name=None):
        name = name or backend.unique_name("integer_categorical")
        preprocessor = layers.IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                            num_oov_indices=num_oov_indices)
        return Feature("int32", preprocessor, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                           name=None):
        name = name or backend.unique_name("string_categorical")
        preprocessor = layers.StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                           num_oov_indices=num_oov_indices)
        return Feature("string", preprocessor, output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or backend.unique_name("string_hashed")
        preprocessor = layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature("string", preprocessor, output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or backend.unique_name("integer_hashed")
        preprocessor = layers.Hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature("int32", preprocessor, output_mode)

    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32,
                 hashing_dim=32, num_discretization_bins=32, name=None):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {name: self._standardize_feature(name, value)
                         for name, value in features.items()}
        self.crosses = [self._standardize_cross(cross, features) for cross in crosses or ()]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of {'dict', 'concat'}. "
                f"Received: output_mode={output_mode}"
            )
        self.output_mode = output_mode
        self.inputs = {name: layers.Input(shape=(1,), dtype=feature.dtype, name=name)
                       for name, feature in self.features.items()}
        self.preprocessors = {name: feature.preprocessor
                              for name, feature in self.features.items()}
        self.encoded_features = None
        self.crossers = {
            cross.name: layers.HashedCrossing(cross.crossing_dim, name=cross.name)
            for cross in self.crosses
        }
        # Made with the graph (`get_encoded_features`), once the lookups know their sizes.
        self.one_hot_encoders = {}
        self.concat = None
        self._is_adapted = False
        self._preprocessed_features_names = None
        self._crossed_features_names = None
        self._sublayers_built = False

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return _deserialize(feature, Feature)
        if feature == "float_discretized":
            return self.float_discretized(name=name, num_bins=self.num_discretization_bins)
        if feature in ("integer_hashed", "string_hashed"):
            return getattr(self, feature)(self.hashing_dim, name=name)
        if feature in ("float", "float_normalized", "float_rescaled", "integer_categorical",
                       "string_categorical"):
            return getattr(self, feature)(name=name)
        raise ValueError(f"Invalid feature type: {feature}")

    def _standardize_cross(self, cross, features):
        if isinstance(cross, dict):
            cross = _deserialize(cross, Cross)
        if isinstance(cross, Cross):
            return cross
        if not self.crossing_dim:
            raise ValueError(
                "When specifying `crosses`, the argument `crossing_dim` (dimensionality of the "
                "crossing space) should be specified as well."
            )
        if any(key not in features for key in cross):
            raise ValueError(
                "All features referenced in the `crosses` argument should be present in the "
                f"`features` dict. Received unknown features: {cross}"
            )
        return Cross(cross, crossing_dim=self.crossing_dim)

    # ------------------------------------------------------------------------------------------
    # Adapting

    def _list_adaptable_preprocessors(self):
        """The features whose preprocessor learns from data (not one given its statistics or
        vocabulary)."""
        names = []
        for name in self.features:
            preprocessor = self.preprocessors[name]
            if isinstance(preprocessor, layers.Normalization):
                if preprocessor.input_mean is not None:
                    continue
            if isinstance(preprocessor, layers.TextVectorization) and \
                    preprocessor._lookup_layer._has_input_vocabulary:
                continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    def adapt(self, dataset):
        """Adapt each feature's preprocessor on its column of `dataset` (a `tf.data.Dataset`
        of dicts, batched or not, or a dict of arrays)."""
        if isinstance(dataset, dict):
            from minikeras.compat.tf_data import Dataset

            dataset = Dataset.from_tensor_slices(dataset)
        elif not (hasattr(dataset, "map") and hasattr(dataset, "batch")):
            raise ValueError(
                "`adapt()` can only be called on a tf.data.Dataset or a dict of arrays/lists. "
                f"Received instead: {dataset} (of type {type(dataset)})"
            )
        for name in self._list_adaptable_preprocessors():
            column = dataset.map(lambda x, name=name: x[name])
            rank = np.ndim(next(iter(column)))
            if rank == 0:
                column = column.batch(32)  # single rows: adapted in batches of 32, as Keras
            if rank in (0, 1):
                # A trailing axis of 1, so that statistics reduce over the batch only.
                column = column.map(lambda x: np.expand_dims(x, -1))
            self.preprocessors[name].adapt(column)
        self._is_adapted = True
        self.get_encoded_features()
        self.built = True
        self._sublayers_built = True

    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError(
                    "You need to call `.adapt(dataset)` on the FeatureSpace before you can "
                    "start using it."
                )
            self._is_adapted = True

    def _check_if_built(self):
        if not self._sublayers_built:
            self._check_if_adapted()
            self.get_encoded_features()
            self._sublayers_built = True

    # ------------------------------------------------------------------------------------------
    # The graph of the features

    def get_inputs(self):
        """`{name: Input}`: the symbolic inputs of the features."""
        self._check_if_built()
        return self.inputs

    def get_encoded_features(self):
        """The symbolic encoded features (one tensor, or a dict in "dict" mode) computed from
        `get_inputs()`."""
        self._check_if_adapted()
        if self.encoded_features is None:
            preprocessed = self._preprocess_features(self.inputs)
            crossed = self._cross_features(preprocessed)
            self.encoded_features = self._merge_features(preprocessed, crossed)
        return self.encoded_features

    def _preprocess_features(self, features):
        return {name: self.preprocessors[name](features[name]) for name in features}

    def _cross_features(self, features):
        return {cross.name: self.crossers[cross.name]([features[n] for n in cross.feature_names])
                for cross in self.crosses}

    def _merge_features(self, preprocessed, crossed):
        if not self._preprocessed_features_names:
            self._preprocessed_features_names = sorted(preprocessed)
            self._crossed_features_names = sorted(crossed)
        names = self._preprocessed_features_names + self._crossed_features_names
        values = [preprocessed[n] for n in self._preprocessed_features_names] + \
            [crossed[n] for n in self._crossed_features_names]
        if not self._sublayers_built:
            self._make_encoders(names, values)
        encoded = {}
        for name, value in zip(names, values):
            encoder = self.one_hot_encoders.get(name)
            encoded[name] = encoder(value) if encoder else value
        if self.output_mode == "dict":
            return encoded
        if self.concat is None:
            for name, value in encoded.items():
                dtype = backend.standardize_dtype(tree.flatten(value)[0].dtype)
                if dtype.startswith("int") or dtype == "string":
                    raise ValueError(
                        f"Cannot concatenate features because feature '{name}' has not been "
                        f"encoded (it has dtype {dtype}). Consider using `output_mode='dict'`."
                    )
            self.concat = TFDConcat(axis=-1)
        return self.concat(list(encoded.values()))

    def _make_encoders(self, names, values):
        """A `CategoryEncoding` for each "one_hot" feature or cross, of its preprocessor's
        number of categories."""
        specs = [self.features[n] for n in self._preprocessed_features_names] + \
            [self.crosses_by_name[n] for n in self._crossed_features_names]
        for name, value, spec in zip(names, values, specs):
            if spec.output_mode != "one_hot" or name in self.one_hot_encoders:
                continue
            dtype = backend.standardize_dtype(tree.flatten(value)[0].dtype)
            if not dtype.startswith("int"):
                raise ValueError(
                    f"Feature '{name}' has `output_mode='one_hot'`. Thus its preprocessor "
                    f"should return an integer dtype. Instead it returns a {dtype} dtype."
                )
            cardinality = _cardinality(self.preprocessors.get(name) or self.crossers.get(name),
                                       name)
            if cardinality is not None:
                self.one_hot_encoders[name] = layers.CategoryEncoding(
                    num_tokens=cardinality, output_mode="multi_hot")

    # ------------------------------------------------------------------------------------------
    # Calls

    def __call__(self, data):
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError(
                f"A FeatureSpace can only be called with a dict. Received: data={data} (of type "
                f"{type(data)}"
            )
        data = {key: _as_column(value) for key, value in data.items()}
        rebatched = False
        for name, x in data.items():
            if x.ndim == 0:
                data[name] = x.reshape(1, 1)
                rebatched = True
            elif x.ndim == 1:
                data[name] = x[:, None]
        preprocessed = tree.map_structure(np.asarray, self._preprocess_features(data))
        crossed = tree.map_structure(np.asarray, self._cross_features(preprocessed))
        merged = tree.map_structure(np.asarray, self._merge_features(preprocessed, crossed))
        if rebatched:
            if self.output_mode == "concat":
                if merged.shape[0] != 1:
                    raise ValueError(
                        f"Expected rebatched data to have batch size 1. Received: "
                        f"shape={merged.shape}"
                    )
                merged = merged[0]
            else:
                merged = {name: x[0] if x.ndim == 2 and x.shape[0] == 1 else x
                          for name, x in merged.items()}
        return tree.map_structure(as_tensor, merged)

    # ------------------------------------------------------------------------------------------
    # Configs and files

    def get_config(self):
        return {
            "features": {name: _serialize(f) for name, f in self.features.items()},
            "output_mode": self.output_mode,
            "crosses": [_serialize(cross) for cross in self.crosses],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        return {name: feature.preprocessor.get_build_config() or {}
                for name, feature in self.features.items()}

    def build_from_config(self, config):
        for name in config:
            preprocessor = self.features[name].preprocessor
            if not preprocessor.built:
                preprocessor.build_from_config(config[name])
        self._is_adapted = True

    def build_planned(self, config, prepare):
        """The loader's plan of this FeatureSpace: `build_from_config(config)`, each layer
        first handed to `prepare` (placeholder weights, checked against the file before any
        memory is taken)."""
        for layer in (*self.preprocessors.values(), *self.crossers.values()):
            prepare(layer)
        self.build_from_config(config)

    def save(self, filepath):
        """Write this FeatureSpace as a `.keras` file (`keras.saving.load_model` reads it)."""
        from minikeras.saving import keras_v3

        keras_v3.save_model(self, filepath)

    def __reduce__(self):
        """Pickled as its `.keras` archive, as a model is (and as Keras pickles it)."""
        from minikeras.saving import pickling

        return pickling.reduce_model(self)

    def save_own_variables(self, store):
        return

    def load_own_variables(self, store):
        return


def _cardinality(preprocessor, name):
    """The number of categories a one-hot feature's preprocessor outputs."""
    if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
        return preprocessor.vocabulary_size()
    if isinstance(preprocessor, layers.CategoryEncoding):
        return preprocessor.num_tokens
    if isinstance(preprocessor, (layers.Discretization, layers.HashedCrossing, layers.Hashing)):
        return preprocessor.num_bins
    raise ValueError(
        f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a standard feature and "
        "the dimensionality of its output space is not known, thus it cannot be one-hot "
        "encoded. Try using `output_mode='int'`."
    )


def _as_column(value):
    """A column as TensorFlow converts it: arrays keep their dtype; Python numbers and lists
    become int32 (int64 past its range) or float32, as `tf.convert_to_tensor` makes them."""
    if not isinstance(value, (list, tuple, int, float)):
        return np.asarray(getattr(value, "value", value))
    array = np.asarray(value)
    if array.dtype == np.float64:
        return array.astype(np.float32)
    if array.dtype == np.int64 and (not array.size or (
            array.min() >= np.iinfo(np.int32).min and array.max() <= np.iinfo(np.int32).max)):
        return array.astype(np.int32)
    return array
