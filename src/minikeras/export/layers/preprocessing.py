"""Converters of the numeric preprocessing layers (Rescaling, Normalization, Discretization,
CategoryEncoding), of Pipeline (its layers in turn), of the lookups (StringLookup, IntegerLookup: ONNX-ML's LabelEncoder), of
TextVectorization (ONNX's string operators, then its lookup), and the refusal of Hashing and
HashedCrossing, which ONNX has no operators for."""

import numpy as np

from minikeras import backend, layers
from minikeras.export.graph import TO_THE_END, cannot_export, convert_layer, register_converter
from minikeras.export.layers.core import refuse


def as_type(graph, x, dtype=None):
    """`x` as `dtype` (by default the graph's float type)."""
    dtype = graph.dtype if dtype is None else np.dtype(dtype)
    return graph.op("Cast", x, to=graph.onnx.helper.np_dtype_to_tensor_dtype(dtype))


@register_converter(layers.Rescaling)
def _rescaling(layer, graph, x):
    x = as_type(graph, x)
    y = graph.op("Mul", x, graph.constant(layer.scale))
    return graph.op("Add", y, graph.constant(layer.offset), hint=layer.name)


# Its layers find the masks of their inputs themselves (`graph.masks`), as a Sequential's do.
@register_converter(layers.Pipeline, takes_mask=True)
def _pipeline(layer, graph, x, mask=None):
    for inner in layer.layers:
        shape = graph.shape(x)
        x = convert_layer(inner, graph, x)
        graph.shapes[x] = tuple(inner.compute_output_shape(shape))
    return x


@register_converter(layers.Normalization)
def _normalization(layer, graph, x):
    mean, variance = (np.asarray(v, graph.dtype) for v in layer._statistics())
    scale = np.maximum(np.sqrt(variance), graph.dtype.type(backend.epsilon()))
    x = as_type(graph, x)
    if layer.invert:
        return graph.op("Add", graph.op("Mul", x, graph.constant(scale)), graph.constant(mean),
                        hint=layer.name)
    return graph.op("Div", graph.op("Sub", x, graph.constant(mean)), graph.constant(scale),
                    hint=layer.name)


def _matches(graph, indices, depth):
    """`indices[..., None] == range(depth)` as 0/1 of the graph's float type."""
    expanded = graph.op("Unsqueeze", as_type(graph, indices, np.int64), graph.axes(-1))
    return as_type(graph, graph.op("Equal", expanded, graph.ints(range(depth), "categories")))


def encode(layer, graph, indices, depth, dtype):
    """Keras' output modes of integer `indices` over `depth` categories."""
    mode = layer.output_mode
    if mode == "int":
        return as_type(graph, indices, dtype)
    rank = len(graph.shape(indices))
    if mode == "one_hot":
        if rank > 1 and graph.shape(indices)[-1] == 1:
            indices = graph.op("Squeeze", indices, graph.axes(-1))
        return as_type(graph, _matches(graph, indices, depth), dtype)
    if rank not in (1, 2):
        raise cannot_export(layer, f"output_mode={mode!r} is exported for (batch, values) "
                                   "inputs, or (values,) ones, only")
    reduce = "ReduceMax" if mode == "multi_hot" else "ReduceSum"
    # Inputs of rank 1 are one sample's values (as Keras takes them): their vector alone.
    counts = graph.op(reduce, _matches(graph, indices, depth), graph.axes(-2),
                      keepdims=int(rank == 1))
    if rank == 1:
        counts = graph.op("Squeeze", counts, graph.axes(0))
    return as_type(graph, counts, dtype)


@register_converter(layers.Discretization)
def _discretization(layer, graph, x):
    # The bin of x: how many boundaries are <= x (searchsorted, side="right").
    boundaries = graph.constant(np.asarray(layer.bin_boundaries, np.float32), "boundaries",
                                dtype=np.float32)
    above = graph.op("GreaterOrEqual", graph.op("Unsqueeze", as_type(graph, x, np.float32),
                                                graph.axes(-1)), boundaries)
    bins = graph.op("ReduceSum", as_type(graph, above, np.int64), graph.axes(-1), keepdims=0)
    graph.shapes[bins] = graph.shape(x)
    return encode(layer, graph, bins, len(layer.bin_boundaries) + 1, layer._output_dtype)


@register_converter(layers.CategoryEncoding)
def _category_encoding(layer, graph, x, count_weights=None):
    if count_weights is not None:
        raise cannot_export(layer, "`count_weights` is not exported")
    return encode(layer, graph, x, layer.num_tokens, layer.dtype)


_NO_HASHES = ("TensorFlow's hashes (FarmHash64 of a string's bytes) have no ONNX operator, and "
              "no ONNX operator reads a string's bytes to compute them")
register_converter(layers.Hashing)(refuse(_NO_HASHES))
register_converter(layers.HashedCrossing)(refuse(_NO_HASHES))


# The lookups: ONNX-ML's LabelEncoder (of the `ai.onnx.ml` domain, which onnxruntime runs), a
# table of the vocabulary's tokens and their indices, in the version of ML opset 3.
ML_DOMAIN, ML_OPSET = "ai.onnx.ml", 3


def _label_encoder(graph, x, table, default, strings_in, strings_out):
    """`table[x]` (a dict of tokens), `default` for what it lacks."""
    keys, values = list(table), list(table.values())
    if not keys:  # an empty table: every value is the default
        keys, values = (["\0"] if strings_in else [np.iinfo(np.int64).min]), [default]
    kind_in, kind_out = ("strings" if strings_in else "int64s"), (
        "strings" if strings_out else "int64s")
    attributes = {f"keys_{kind_in}": [str(k) if strings_in else int(k) for k in keys],
                  f"values_{kind_out}": [str(v) if strings_out else int(v) for v in values],
                  "default_string" if strings_out else "default_int64": default}
    return graph.op("LabelEncoder", x, domain=ML_DOMAIN, **attributes)


@register_converter(layers.StringLookup)
@register_converter(layers.IntegerLookup)
def _lookup(layer, graph, x):
    """The index of each token (`IndexLookup._lookup`): its vocabulary index, the mask
    token's, an OOV index, then Keras' output modes of the indices."""
    strings = layer._token_kind == "string"
    if layer.invert:
        return _inverted_lookup(layer, graph, x, strings)
    if layer.num_oov_indices > 1 and (strings or layer.oov_method == "farmhash"):
        raise cannot_export(layer, "its out-of-vocabulary tokens share several indices by "
                                   "TensorFlow's hashes, which have no ONNX operator")
    values = x if strings else as_type(graph, x, np.int64)
    start = layer._token_start_index()
    table = {token: start + i for i, token in
             enumerate(layer.get_vocabulary(include_special_tokens=False))}
    if layer.mask_token is not None:
        table[layer.mask_token] = 0 if layer.output_mode == "int" else np.iinfo(np.int64).max
    unknown = -1 if layer.num_oov_indices != 1 else layer._oov_start_index()
    indices = _label_encoder(graph, values, table, unknown, strings, False)
    if layer.num_oov_indices > 1:  # floormod of the integers among the OOV indices
        oov = graph.op("Mod", values, graph.ints([layer.num_oov_indices], "oov_indices"))
        oov = graph.op("Add", oov, graph.ints([layer._oov_start_index()], "oov_start"))
        indices = graph.op("Where", graph.op("Equal", indices, graph.ints([-1], "unknown")),
                           oov, indices)
    graph.shapes[indices] = graph.shape(x)
    if layer.output_mode == "int":
        return graph.op("Identity", indices, hint=layer.name)
    encoded = encode(layer, graph, indices, layer._depth(), np.int64)
    if layer.output_mode == "tf_idf":
        weights = np.asarray(layer.idf_weights[:layer._depth()], np.float32)
        return graph.op("Mul", as_type(graph, encoded, np.float32),
                        graph.constant(weights, f"{layer.name}/idf_weights", dtype=np.float32),
                        hint=layer.name)
    return graph.op("Identity", encoded, hint=layer.name)


def _inverted_lookup(layer, graph, x, strings):
    """Indices back to tokens (`IndexLookup._invert`): the special indices and any index
    outside the table give the OOV token, the mask token's index (0) the mask token."""
    table = dict(enumerate(layer.get_vocabulary()))
    for index in range(layer._token_start_index()):
        table[index] = layer.oov_token
    if layer.mask_token is not None:
        table[0] = layer.mask_token
    return _label_encoder(graph, as_type(graph, x, np.int64), table, layer.oov_token, False,
                          strings)


# ----------------------------------------------------------------------------------------------
# TextVectorization: ONNX's string operators (StringNormalizer, and StringSplit of opset 20),
# then the inner StringLookup's converter

# What `tf.strings.split` (and minikeras) split on. onnxruntime's StringSplit without a
# delimiter splits on spaces alone, so each is a delimiter of its own.
_WHITESPACE = " \t\n\v\f\r"


@register_converter(layers.TextVectorization)
def _text_vectorization(layer, graph, x):
    """The strings lower-cased, split into tokens (and n-grams) packed at the front of their
    rows, then looked up as the layer's inner StringLookup does."""
    _check_text_settings(layer)
    lookup = layer._lookup_layer
    strings = _lowered(graph, x) if layer._standardize == "lower" else x
    graph.shapes[strings] = graph.shape(x)
    bags = lookup.output_mode != "int"  # multi_hot, count, tf_idf of each row's tokens
    if layer._split is not None:
        graph.require_opset(20, layer, "StringSplit")
        if len(graph.shape(x)) == 2:  # (batch, 1), as the layer requires
            strings = graph.op("Squeeze", strings, graph.axes(1))
        tokens = _split_on_whitespace(graph, strings)
        if layer._ngrams is not None:
            tokens = _ngrams(graph, _packed(graph, tokens, padded=False), layer._ngrams)
        tokens = _packed(graph, tokens, padded=bags)
        graph.shapes[tokens] = (None, None)
    else:
        tokens = strings
    indices = _lookup(lookup, graph, tokens)
    length = layer._output_sequence_length
    if lookup.output_mode != "int" or length is None:
        return graph.op("Identity", indices, hint=layer.name)
    # 0-padded, then cut, to the output's length
    rank = len(graph.shape(tokens))
    padded = graph.op("Pad", indices, graph.ints([0] * (2 * rank - 1) + [length], "pads"))
    return graph.op("Slice", padded, graph.ints([0], "starts"), graph.ints([length], "ends"),
                    graph.ints([rank - 1], "axes"), hint=layer.name)


def _check_text_settings(layer):
    standardize, split = layer._standardize, layer._split
    if callable(standardize) or callable(split):
        raise cannot_export(layer, "its `standardize` or `split` is a Python function")
    if standardize not in (None, "lower"):
        raise cannot_export(layer, f"standardize={standardize!r} strips punctuation with "
                                   "regular-expression replacements, which no ONNX operator "
                                   "makes: pass standardize='lower' or None (and strip the "
                                   "punctuation before the model)")
    if split not in (None, "whitespace"):
        raise cannot_export(layer, f"split={split!r} has no ONNX operator (StringSplit splits "
                                   "on delimiters): pass split='whitespace' or None")
    if layer._ngrams is not None and split is None:
        raise cannot_export(layer, f"ngrams={layer._ngrams_arg!r} is exported with "
                                   "split='whitespace' only")


def _lowered(graph, x):
    """ASCII letters lower-cased, as `tf.strings.lower` (StringNormalizer in the "C" locale,
    which leaves other letters; it takes a flat list of strings)."""
    flat = graph.op("Reshape", x, graph.ints([-1], "flat"))
    lowered = graph.op("StringNormalizer", flat, case_change_action="LOWER", locale="C")
    return graph.op("Reshape", lowered, graph.op("Shape", x))


def _split_on_whitespace(graph, strings):
    """`(batch, pieces)`: each string of `strings` (batch,) split on every whitespace
    character, so "" between consecutive ones (and after the last, as padding)."""
    rows = graph.op("Concat", graph.dims(strings, 0, 1), graph.ints([-1], "rest"), axis=0)
    pieces = strings
    for delimiter in _WHITESPACE:
        pieces, _ = graph.op("StringSplit", pieces, delimiter=delimiter, outputs=2)
        pieces = graph.op("Reshape", pieces, rows)
    return pieces


def _ngrams(graph, tokens, widths):
    """Each row's n-grams of each width (its tokens, packed, joined by spaces), in
    minikeras' order (every one of a width, then the next width's), "" where a row has too
    few tokens."""
    empty = graph.constant("", "empty", dtype=object)
    space = graph.constant(" ", "space", dtype=object)
    grams = []
    for n in widths:
        def window(k, n=n):  # the k-th token of each n-gram, for every start
            return graph.slice(tokens, [1], [k], [k - n + 1 if k < n - 1 else TO_THE_END])

        gram = window(0)
        for k in range(1, n):
            gram = graph.op("StringConcat", graph.op("StringConcat", gram, space), window(k))
        whole = graph.op("Not", graph.op("Equal", window(n - 1), empty))  # packed tokens
        grams.append(graph.op("Where", whole, gram, empty))
    return graph.op("Concat", *grams, axis=1)


def _packed(graph, pieces, padded):
    """The non-empty strings of each row of `pieces` moved to its front, in order, "" after
    (the mask token: index 0, or nothing in a bag of tokens), as wide as the longest row;
    `padded`: one "" more in every row (so a bag of no tokens is not reduced over nothing).
    Each string goes to the place its row's count of non-empty strings so far says, the empty
    ones to a last column."""
    batch = graph.dims(pieces, 0, 1)
    empty = graph.constant("", "empty", dtype=object)
    kept = graph.op("Not", graph.op("Equal", pieces, empty))
    counts = graph.op("CumSum", as_type(graph, kept, np.int64), graph.constant(
        1, "axis", dtype=np.int64))
    last = graph.op("Reshape", graph.slice(counts, [1], [-1], [TO_THE_END]), graph.ints(
        [-1], "flat"))  # each row's count (and 0, for rows of no pieces at all)
    length = graph.op("ReduceMax", graph.op("Concat", last, graph.ints([0], "zero"), axis=0),
                      keepdims=0)
    places = graph.op("Where", kept, graph.op("Sub", counts, graph.ints([1], "one")), length)
    width = graph.op("Unsqueeze", length, graph.axes(0))
    blank = graph.op("Expand", empty, graph.op("Concat", batch, graph.op(
        "Add", width, graph.ints([1], "one")), axis=0))
    moved = graph.op("ScatterElements", blank, places, pieces, axis=1)
    if padded:
        return moved
    return graph.op("Slice", moved, graph.ints([0], "starts"), width, graph.ints([1], "axes"))
