"""The recurrent, wrapper and attention cases shared by compat/make_recurrent.py (which runs
them under real Keras) and tests/test_recurrent.py (which runs them under minikeras).

A layer is described by plain data, `(class name, args, kwargs)`, where an argument may itself
be a layer description (a cell, a wrapped layer) or a list of them; `build(layers, spec)` makes
it from either library's `layers` module. Each case calls the layer on `x` (batch 2, 5 steps,
3 features) with the given call arguments, its weights replaced by seeded values.
"""

import numpy as np

BATCH, STEPS, FEATURES = 2, 5, 3
# A mask with a fully masked first step for one sample, gaps, and a fully masked tail.
MASK = np.array([[True, True, False, True, False], [False, True, True, True, True]])


def layer(name, *args, **kwargs):
    return ("layer", name, args, kwargs)


def build(layers, spec):
    """The layer `spec` describes, made from the `layers` module given."""
    if isinstance(spec, tuple) and spec and spec[0] == "layer":
        _, name, args, kwargs = spec
        return getattr(layers, name)(*[build(layers, a) for a in args],
                                     **{k: build(layers, v) for k, v in kwargs.items()})
    if isinstance(spec, list):
        return [build(layers, item) for item in spec]
    return spec


def _rnn_cases():
    cases = {}
    for name in ("SimpleRNN", "LSTM", "GRU"):
        key = name.lower()
        cases[f"{key}"] = (layer(name, 4), {})
        cases[f"{key}_sequences_backwards"] = (
            layer(name, 4, return_sequences=True, go_backwards=True), {})
        cases[f"{key}_state"] = (layer(name, 4, return_state=True), {})
        cases[f"{key}_masked_sequences"] = (layer(name, 4, return_sequences=True), {"mask": True})
        cases[f"{key}_masked_last_backwards"] = (layer(name, 4, go_backwards=True),
                                                 {"mask": True})
        cases[f"{key}_masked_zero_output"] = (
            layer(name, 4, return_sequences=True, zero_output_for_mask=True), {"mask": True})
        cases[f"{key}_initial_state"] = (layer(name, 4, return_sequences=True, return_state=True),
                                         {"initial_state": True})
        cases[f"{key}_no_bias_relu"] = (layer(name, 4, use_bias=False, activation="relu"), {})
    cases["lstm_hard_sigmoid_no_forget_bias"] = (
        layer("LSTM", 3, recurrent_activation="hard_sigmoid", unit_forget_bias=False,
              return_sequences=True), {})
    cases["gru_reset_before"] = (layer("GRU", 4, reset_after=False, return_sequences=True), {})
    cases["gru_reset_before_masked"] = (layer("GRU", 4, reset_after=False), {"mask": True})
    cases["gru_reset_before_no_bias"] = (layer("GRU", 4, reset_after=False, use_bias=False), {})
    cases["rnn_lstm_cell"] = (layer("RNN", layer("LSTMCell", 3), return_sequences=True), {})
    cases["rnn_stacked_cells"] = (
        layer("RNN", [layer("SimpleRNNCell", 3), layer("GRUCell", 2), layer("LSTMCell", 4)],
              return_state=True), {"mask": True})
    cases["rnn_stacked_backwards"] = (
        layer("RNN", layer("StackedRNNCells", [layer("LSTMCell", 2), layer("GRUCell", 3)]),
              go_backwards=True, return_sequences=True), {})
    for mode in ("concat", "sum", "mul", "ave", None):
        cases[f"bidirectional_{mode}"] = (
            layer("Bidirectional", layer("LSTM", 3, return_sequences=True), merge_mode=mode), {})
    cases["bidirectional_gru_masked"] = (
        layer("Bidirectional", layer("GRU", 3, return_sequences=True)), {"mask": True})
    cases["bidirectional_state"] = (
        layer("Bidirectional", layer("LSTM", 2, return_state=True)), {})
    cases["bidirectional_backward_layer"] = (
        layer("Bidirectional", layer("SimpleRNN", 2),
              backward_layer=layer("GRU", 2, go_backwards=True), merge_mode="sum"),
        {"mask": True})
    cases["time_distributed_dense"] = (
        layer("TimeDistributed", layer("Dense", 2, activation="tanh")), {})
    return cases


CASES = _rnn_cases()


def inputs(seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (BATCH, STEPS, FEATURES)).astype("float32")


def weight_values(shapes, seed=1):
    """Seeded weights for a layer whose weights have `shapes` (the same in both libraries)."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.6, 0.6, shape).astype("float32") for shape in shapes]


def initial_states(shapes, seed=2):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-0.5, 0.5, shape).astype("float32") for shape in shapes]


# Models trained a few steps from the same start (Sequential: functional models come with the
# functional API): (layers, loss, optimizer config, target width or "sequence").
TRAINING = {
    "lstm_classifier": (
        [layer("LSTM", 6), layer("Dense", 3, activation="softmax")],
        "categorical_crossentropy", ("Adam", {"learning_rate": 0.01}), 3),
    "gru_sequence": (
        [layer("GRU", 4, return_sequences=True), layer("TimeDistributed", layer("Dense", 2))],
        "mse", ("SGD", {"learning_rate": 0.1, "momentum": 0.9}), "sequence"),
    "bidirectional_stack": (
        [layer("Bidirectional", layer("SimpleRNN", 3, return_sequences=True)),
         layer("Bidirectional", layer("GRU", 2, reset_after=False), merge_mode="ave"),
         layer("Dense", 1)],
        "mse", ("RMSprop", {"learning_rate": 0.01}), 1),
    "regularized_lstm": (
        [layer("LSTM", 3, kernel_regularizer="l2", recurrent_regularizer="l1",
               bias_regularizer="l2", recurrent_constraint="max_norm", return_sequences=True),
         layer("SimpleRNN", 2, kernel_constraint="unit_norm", activity_regularizer="l2")],
        "mse", ("Adam", {"learning_rate": 0.02}), 2),
}
TRAINING_STEPS, TRAINING_BATCH = 3, 4


def attention_classifier(attention, shape=(STEPS, FEATURES), **call):
    """A functional model's description: `attention` over its input (self-attention, called
    with `call`), flattened, then a softmax Dense(3)."""
    return {"attention": attention, "shape": shape, "call": call}


# SGD for attention: a key bias gets a zero gradient (softmax ignores a shift shared by all
# keys), and Adam or RMSprop would turn its rounding noise into steps of full size.
TRAINING.update({
    "mha_gate_causal": (
        attention_classifier(layer("MultiHeadAttention", 2, 3, use_gate=True),
                             use_causal_mask=True),
        "categorical_crossentropy", ("SGD", {"learning_rate": 0.1, "momentum": 0.9}), 3),
    "mha_rank4_axis": (
        attention_classifier(layer("MultiHeadAttention", 2, 2, attention_axes=2,
                                   output_shape=(2, 2)), shape=(3, STEPS, FEATURES)),
        "categorical_crossentropy", ("SGD", {"learning_rate": 0.05, "nesterov": True,
                                             "momentum": 0.5}), 3),
    "gqa_sliding_window": (
        attention_classifier(layer("GroupQueryAttention", 2, 4, 2, sliding_window=2)),
        "categorical_crossentropy", ("SGD", {"learning_rate": 0.1}), 3),
})


def training_model(library, name):
    """The model of `TRAINING[name]`, made with `library` (keras or minikeras)."""
    description = TRAINING[name][0]
    if isinstance(description, list):
        return library.Sequential([library.Input((STEPS, FEATURES)),
                                   *[build(library.layers, spec) for spec in description]])
    x = library.Input(description["shape"])
    attended = build(library.layers, description["attention"])(x, x, **description["call"])
    outputs = library.layers.Dense(3, activation="softmax")(library.layers.Flatten()(attended))
    return library.Model(x, outputs)


# Attention: a query (batch 2, 4 steps, 3 features) over values (5 steps, 3 features) and,
# where the case says so, keys (5 steps, 2 features for MultiHeadAttention, 3 otherwise).
# Call: "list" layers take `[query, value(, key)]` and `mask=[query_mask, value_mask]`; the
# others `(query, value, key=...)` with `value_mask=`/`attention_mask=`.
QUERY_MASK = np.array([[True, True, True, False], [True, False, True, True]])
VALUE_MASK = np.array([[True, True, False, True, False], [True, True, True, True, True]])
ATTENTION_MASK = np.array(
    [[[i >= j or j == 4 for j in range(5)] for i in range(4)], [[j != i for j in range(5)]
                                                               for i in range(4)]])
ATTENTION = {
    "attention_dot": (layer("Attention"), {"list": True}),
    "attention_masked_scores": (layer("Attention", use_scale=True),
                                {"list": True, "masks": True, "scores": True}),
    "attention_concat_key_causal": (layer("Attention", score_mode="concat", use_scale=True),
                                    {"list": True, "key": True, "causal": True}),
    "additive": (layer("AdditiveAttention"), {"list": True, "masks": True}),
    "additive_unscaled_causal": (layer("AdditiveAttention", use_scale=False),
                                 {"list": True, "causal": True, "scores": True}),
    "mha": (layer("MultiHeadAttention", 2, 3), {"scores": True}),
    "mha_key_value_mask": (layer("MultiHeadAttention", 3, 2, value_dim=4, output_shape=5),
                           {"key": True, "value_mask": True}),
    "mha_causal_no_bias": (layer("MultiHeadAttention", 2, 2, use_bias=False),
                           {"causal": True, "attention_mask": True, "scores": True}),
    # A query whose every key is masked: uniform weights on Keras' fused path, zeros where
    # it returns the scores.
    "mha_masked_row_fused": (layer("MultiHeadAttention", 2, 3),
                             {"attention_mask": "masked_row"}),
    "mha_masked_row_scores": (layer("MultiHeadAttention", 2, 3),
                              {"attention_mask": "masked_row", "scores": True}),
    "mha_gate_value_mask": (layer("MultiHeadAttention", 2, 3, use_gate=True),
                            {"key": True, "value_mask": True}),
    "mha_sliding_window_causal": (layer("MultiHeadAttention", 2, 2, sliding_window=2),
                                  {"causal": True, "scores": True}),
    "mha_output_shape_2d": (layer("MultiHeadAttention", 2, 2, value_dim=3, output_shape=(2, 3)),
                            {"key": True}),
    # Rank 4, (batch, 3, steps, features): one axis attended, the other a batch axis, or both.
    "mha_rank4_axis": (layer("MultiHeadAttention", 2, 3, attention_axes=2),
                       {"rank": 4, "key": True, "scores": True}),
    "mha_rank4_negative_axis_mask": (layer("MultiHeadAttention", 2, 2, attention_axes=(-2,)),
                                     {"rank": 4, "attention_mask": True}),
    "mha_rank4_both_axes": (layer("MultiHeadAttention", 2, 2, value_dim=3, output_shape=4),
                            {"rank": 4, "scores": True}),
    "mha_rank4_both_axes_fused": (layer("MultiHeadAttention", 3, 2, use_gate=True),
                                  {"rank": 4, "key": True}),
    "gqa": (layer("GroupQueryAttention", 2, 4, 2), {"scores": True}),
    "gqa_multi_query_key_causal": (layer("GroupQueryAttention", 3, 2, 1),
                                   {"key": True, "causal": True}),
    "gqa_gate_masks_no_bias": (
        layer("GroupQueryAttention", 2, 2, 2, use_gate=True, use_bias=False),
        {"value_mask": True, "attention_mask": "masked_row"}),
    "gqa_sliding_window_scores": (layer("GroupQueryAttention", 2, 3, 3, sliding_window=2),
                                  {"key": True, "scores": True, "value_mask": True}),
}
MASKED_ROW = ATTENTION_MASK.copy()
MASKED_ROW[0, 1] = False


def attention_inputs(key_features=3, seed=6, rank=3):
    """Query, value and key: (batch, 4 steps, 3 features), (batch, 5 steps, 3) and (batch, 5,
    `key_features`); at rank 4 with an axis of 3 after the batch."""
    rng = np.random.default_rng(seed)
    middle = (3,) * (rank - 3)
    return (rng.uniform(-1, 1, (BATCH, *middle, 4, 3)).astype("float32"),
            rng.uniform(-1, 1, (BATCH, *middle, 5, 3)).astype("float32"),
            rng.uniform(-1, 1, (BATCH, *middle, 5, key_features)).astype("float32"))


def attention_case_inputs(name, dtype="float32"):
    """The inputs of `ATTENTION[name]`: keys of 2 features for the layers with heads."""
    key_features = 2 if name.startswith(("mha", "gqa")) else 3
    return tuple(a.astype(dtype) for a in attention_inputs(
        key_features, rank=ATTENTION[name][1].get("rank", 3)))


def attention_call(layer_object, call, query, value, key, masks_of=lambda m: m):
    """Call an attention layer as the case says (`masks_of` converts a mask for the library)."""
    kwargs = {"return_attention_scores": True} if call.get("scores") else {}
    if call.get("causal"):
        kwargs["use_causal_mask"] = True
    if call.get("list"):
        inputs = [query, value, key] if call.get("key") else [query, value]
        if call.get("masks"):
            kwargs["mask"] = [masks_of(QUERY_MASK), masks_of(VALUE_MASK)]
        return layer_object(inputs, **kwargs)
    if call.get("key"):
        kwargs["key"] = key
    if call.get("value_mask"):
        kwargs["value_mask"] = masks_of(VALUE_MASK)
    if call.get("attention_mask"):
        kwargs["attention_mask"] = masks_of(
            MASKED_ROW if call["attention_mask"] == "masked_row" else ATTENTION_MASK)
    return layer_object(query, value, **kwargs)
