"""`print_summary`: Keras 3's `model.summary()` table, drawn without `rich`.

Keras 3 renders the summary with `rich`; this module reproduces rich's output for that one table
byte for byte: the column widths rich settles on, its word wrapping and `…` truncation inside
cells, its cropping at the console width and, on a terminal, its ANSI styles.
"""

import math
import os
import re
import shutil
import sys

from minikeras import backend
from minikeras.utils.progbar import print_msg

# Box characters of rich's HEAVY_HEAD box: (left, horizontal, joint, right) per rule.
_TOP = ("┏", "━", "┳", "┓")
_HEAD_RULE = ("┡", "━", "╇", "┩")
_ROW_RULE = ("├", "─", "┼", "┤")
_BOTTOM = ("└", "─", "┴", "┘")
_HEAD_BAR, _BODY_BAR = "┃", "│"

# ANSI parameters of the styles Keras uses, as rich writes them for 256-colour terminals and
# for 16-colour ones (rich maps color(33/34/45/9) to its nearest standard colours there).
_STYLE_CODES_256 = {
    "bold": "1", "class": "38;5;33", "none": "38;5;45", "number": "38;5;34",
    "yes": "1;38;5;34", "no": "1;91",
}
_STYLE_CODES_16 = {
    "bold": "1", "class": "94", "none": "96", "number": "32", "yes": "1;32", "no": "1;91",
}
_BOLD_ONLY_CODES = {"bold": "1", "yes": "1", "no": "1"}  # NO_COLOR keeps bold, drops colour

_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


def print_summary(
    model,
    line_length=None,
    positions=None,
    print_fn=None,
    expand_nested=False,
    show_trainable=False,
    layer_range=None,
):
    """Print `model`'s layer table and parameter counts as Keras 3 does. A functional model
    lists its inputs and ops too, and unless its graph is a plain chain, the inputs of each
    layer's calls in a "Connected to" column (default width 108, not 88).

    Args:
        model: a model exposing `name`, `layers`, `layer_output_shapes()`, `trainable_weights`,
            `non_trainable_weights` and optionally a built `optimizer`.
        line_length: total table width; default `min(88, terminal columns - 4)`.
        positions: right edge of each column as a fraction of `line_length`
            (default `[0.45, 0.80, 1.0]`, with "Connected to" `[0.3, 0.56, 0.74, 1.0]`).
        print_fn: called once with the whole summary (no ANSI); default writes to stdout.
        expand_nested: also list the layers of nested models, indented under them.
        show_trainable: add a "Trainable" column (Y / N / -).
        layer_range: two regexes `[first, last]` selecting the layers to list by name.
    """
    graph = _graph_of(model)
    header = [[("Layer (type)", "bold")], [("Output Shape", "bold")], [("Param #", "bold")]]
    justify = ["left", "left", "right"]
    if graph is not None and not graph.sequential_like:
        default_line_length = 108
        positions = positions or [0.3, 0.56, 0.74, 1.0]
        header.append([("Connected to", "bold")])
        justify.append("left")
    else:
        default_line_length = 88
        positions = positions or [0.45, 0.80, 1.0]
    if show_trainable:
        default_line_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append([("Trainable", "bold")])
        justify.append("center")
    default_line_length = min(default_line_length, shutil.get_terminal_size().columns - 4)
    line_length = line_length or default_line_length
    content_widths = []
    for position in positions:
        width = int(position * line_length) - sum(content_widths)
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        content_widths.append(width)

    layers = graph.operations if graph is not None else model.layers
    first, stop = _layer_index_range(layers, layer_range)
    shapes = graph.shapes if graph is not None else _output_shapes(model, len(layers))
    rows = []
    for layer, shape in list(zip(layers, shapes))[first:stop]:
        rows.extend(_layer_rows(layer, shape, show_trainable, expand_nested, 0, graph))

    styled = (print_fn is None and backend.is_interactive_logging_enabled()
              and _stdout_is_terminal())
    codes = _style_codes() if styled else {}
    console_width = _console_width(styled)
    # Free text wraps at the console width; table lines are cropped there (rich does both).
    lines = _wrap_text([(f'Model: "{model.name}"', "bold")], console_width)
    lines += _table_lines(header, rows, _cell_widths(content_widths, line_length), justify)
    for total in _totals_lines(model):
        lines += _wrap_text(total, console_width)
    text = "".join(_render_line(line, console_width, codes) for line in lines)
    if print_fn is None:  # stdout, or the log when interactive logging is off
        print_msg(text, line_break=False)
    else:
        print_fn(text)


# ----------------------------------------------------------------------------------------------
# What the table holds


def _layer_index_range(layers, layer_range):
    """`[first, stop)` indices of the layers named by the two regexes of `layer_range`."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError(
            "layer_range must be a list or tuple of length 2. Received: "
            f"layer_range = {layer_range} of length {len(layer_range)}"
        )
    if not all(isinstance(pattern, str) for pattern in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: {layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError(
            f"Passed layer_names do not match the layer names in the model. Received: {layer_range}"
        )
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


class _Graph:
    """What a functional model's summary lists: its operations (inputs and ops included), and
    whether its graph is a plain chain (then no "Connected to" column, as in Keras 3)."""

    def __init__(self, model):
        from minikeras.models.functional import last_call_shapes

        self.operations = model.operations
        self.shapes = [last_call_shapes(operation) for operation in self.operations]
        self.nodes = {id(n) for nodes in model._nodes_by_depth.values() for n in nodes}
        self.sequential_like = self._is_chain(model)

    def _is_chain(self, model):
        for nodes in model._nodes_by_depth.values():
            if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].input_tensors) > 1):
                return False
        for layer in model.layers:  # a layer called twice in the graph is shared
            if sum(id(node) in self.nodes for node in layer._inbound_nodes) > 1:
                return False
        return True

    def connections(self, layer):
        """`inbound[node][tensor]` of each input of each of `layer`'s nodes in this graph."""
        runs = []
        for node in layer._inbound_nodes:
            if id(node) not in self.nodes:
                continue
            for tensor in node.input_tensors:
                operation, node_index, tensor_index = tensor._keras_history
                if runs:
                    runs.append((", ", None))
                runs += [(f"{operation.name}[", None), (str(node_index), "number"),
                         ("][", None), (str(tensor_index), "number"), ("]", None)]
        return runs or [("-", None)]


def _graph_of(model):
    from minikeras.models.functional import Functional

    return _Graph(model) if isinstance(model, Functional) else None


def _output_shapes(model, count):
    shapes = getattr(model, "layer_output_shapes", None)
    return list(shapes()) if shapes is not None else [None] * count


def _layer_rows(layer, shape, show_trainable, expand_nested, level, graph=None):
    """The row of `layer` (a list of cells, each a list of `(text, style)` runs), plus the rows
    of its own layers, indented, when `expand_nested` is set."""
    prefix = "   " * level + "└ " if level else ""
    name = [(f"{prefix}{layer.name} (", None), (type(layer).__name__, "class"), (")", None)]
    if not hasattr(layer, "built"):
        params = [("0", "number")]
    elif not layer.built:
        params = [("0", "number"), (" (unbuilt)", None)]
    else:
        params = [(f"{layer.count_params():,}", "number")]
    row = [name, _shape_cell(shape), params]
    if graph is not None and not graph.sequential_like:
        row.append(graph.connections(layer))
    if show_trainable:
        if len(getattr(layer, "weights", ())) > 0:
            row.append([("Y", "yes")] if layer.trainable else [("N", "no")])
        else:
            row.append([("-", "bold")])
    rows = [row]
    nested = getattr(layer, "layers", None)
    if expand_nested and nested:
        for inner, inner_shape in zip(nested, _output_shapes(layer, len(nested))):
            rows.extend(_layer_rows(inner, inner_shape, show_trainable, expand_nested,
                                    level + 1, graph))
    return rows


def _shape_cell(shape):
    """`(None, 64)` with `None` and the sizes highlighted; `?` when the shape is unknown.
    Like Keras, a 1-tuple shows without its trailing comma: `(None)`."""
    if shape is None:
        return [("?", None)]
    if shape and isinstance(shape[0], tuple):  # a layer of several outputs
        runs = [("[", None)]
        for i, one in enumerate(shape):
            runs += ([(", ", None)] if i else []) + _shape_cell(one)
        return runs + [("]", None)]
    runs = [("(", None)]
    for i, dim in enumerate(shape):
        if i:
            runs.append((", ", None))
        runs.append((str(dim), "none" if dim is None else "number"))
    runs.append((")", None))
    return runs


def _totals_lines(model):
    trainable = list(model.trainable_weights)
    non_trainable = list(model.non_trainable_weights)
    optimizer = getattr(model, "optimizer", None)
    optimizer_variables = list(optimizer.variables) if getattr(optimizer, "built", False) else None
    groups = [
        ("Trainable", _count(trainable), _nbytes(trainable)),
        ("Non-trainable", _count(non_trainable), _nbytes(non_trainable)),
    ]
    if optimizer_variables is not None:
        groups.append(
            ("Optimizer", _count(optimizer_variables), _nbytes(optimizer_variables))
        )
    total = ("Total", sum(g[1] for g in groups), sum(g[2] for g in groups))
    return [
        [(f" {label} params: ", "bold"), (f"{count:,}", "number"), (f" ({_readable(size)})", None)]
        for label, count, size in [total] + groups
    ]


def _count(variables):
    return int(sum(math.prod(v.value.shape) for v in variables))


def _nbytes(variables):
    """Memory of the distinct variables (a variable listed twice counts once, as in Keras)."""
    return sum(v.value.nbytes for v in {id(v): v for v in variables}.values())


def _readable(size):
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


# ----------------------------------------------------------------------------------------------
# Layout, as rich computes it


def _cell_widths(content_widths, line_length):
    """Each column's width including its two padding spaces, as rich fits a table of exactly
    `line_length` characters whose columns ask for `content_widths`: when they ask for too
    much, all shrink by (about) the same amount; when for too little, all grow in proportion."""
    inner = line_length - (len(content_widths) + 1)  # minus the vertical bars
    widths = [max(1, min(w + 2, inner)) for w in content_widths]
    excess = sum(widths) - inner
    if excess > 0:
        remaining, shares, reduced = excess, len(widths), []
        for width in widths:
            cut = min(width, round(remaining / shares))  # Python's round, as rich uses it
            reduced.append(width - cut)
            remaining -= cut
            shares -= 1
        return reduced
    remaining, total, grown = -excess, sum(widths), []
    for width in widths:
        extra = math.ceil(width * remaining / total)
        grown.append(width + extra)
        remaining -= extra
        total -= width
    return grown


def _table_lines(header, rows, widths, justify):
    """The table as lines of `(text, style)` runs: header, rules between rows, box edges."""

    def rule(chars):
        left, horizontal, joint, right = chars
        return [(left + joint.join(horizontal * w for w in widths) + right, None)]

    lines = [rule(_TOP)]
    lines += _row_lines(header, widths, justify, _HEAD_BAR, base_style="bold")
    lines.append(rule(_HEAD_RULE))
    for i, row in enumerate(rows):
        if i:
            lines.append(rule(_ROW_RULE))
        lines += _row_lines(row, widths, justify, _BODY_BAR, base_style=None)
    lines.append(rule(_BOTTOM))
    return lines


def _row_lines(cells, widths, justify, bar, base_style):
    """One table row, each cell wrapped to its width and padded to the row's height."""
    cell_lines = [
        _wrap_cell(cell, width - 2, how, base_style)
        for cell, width, how in zip(cells, widths, justify)
    ]
    height = max(len(lines) for lines in cell_lines)
    pad = [(" ", base_style)]
    lines = []
    for i in range(height):
        line = [(bar, None)]
        for lines_of_cell, width in zip(cell_lines, widths):
            if i < len(lines_of_cell):
                line += pad + lines_of_cell[i] + pad
            else:
                line.append((" " * width, base_style))
            line.append((bar, None))
        lines.append(line)
    return lines


def _wrap_cell(runs, width, justify, base_style):
    """Word-wrap a cell to `width`; a word too long for a line is cut with `…`.
    Returns lines of runs, each exactly `width` characters."""
    text, styles = _flatten(runs, base_style)
    lines = []
    for start, stop in _split_lines(text, width, fold=False):
        if justify != "left":
            stop = start + len(text[start:stop].rstrip())
        ellipsis = stop - start > width
        if ellipsis:
            stop = start + width - 1
        line = _restyle(text, styles, start, stop)
        if ellipsis:
            line.append(("…", styles[stop]))
        used = min(width, stop - start + ellipsis)
        spare = width - used
        left = {"left": 0, "right": spare, "center": spare // 2}[justify]
        line = [(" " * left, base_style)] + line + [(" " * (spare - left), base_style)]
        lines.append(_merge(line))
    return lines


def _wrap_text(runs, width):
    """Wrap a plain line (no padding) to `width`, folding words longer than a line."""
    text, styles = _flatten(runs, None)
    return [_restyle(text, styles, start, min(stop, start + width))
            for start, stop in _split_lines(text, width, fold=True)]


def _split_lines(text, width, fold):
    """rich's word wrap: `(start, stop)` of each line of `text` wrapped at `width`.

    A line is cut before the first word that does not fit; the whitespace after a word stays on
    its line and is trimmed only where the line overflows. A word longer than a line is folded
    into pieces when `fold`, otherwise it stays whole (the caller shortens it).
    """
    breaks, offset = [], 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width and fold:
            pieces = [word[i : i + width] for i in range(0, len(word), width)]
            for piece in pieces[:-1]:
                if start:
                    breaks.append(start)
                start += len(piece)
            if start:
                breaks.append(start)
            offset = len(pieces[-1])
        elif length > width or (offset and start):
            if start:
                breaks.append(start)
            offset = len(word)
    edges = [0] + breaks + [len(text)]
    spans = []
    for start, stop in zip(edges, edges[1:]):
        excess = stop - start - width
        if excess > 0:
            trailing = _TRAILING_SPACE.search(text, start, stop)
            if trailing:
                stop -= min(len(trailing.group()), excess)
        spans.append((start, stop))
    return spans


def _flatten(runs, base_style):
    """Runs -> (plain text, style of each character); unstyled text takes `base_style`."""
    text = "".join(t for t, _ in runs)
    styles = [style or base_style for t, style in runs for _ in t]
    return text, styles


def _restyle(text, styles, start, stop):
    """The runs of `text[start:stop]`, one per stretch of equal style."""
    runs = []
    for i in range(start, stop):
        if runs and runs[-1][1] == styles[i]:
            runs[-1] = (runs[-1][0] + text[i], styles[i])
        else:
            runs.append((text[i], styles[i]))
    return runs


def _merge(runs):
    merged = []
    for text, style in runs:
        if not text:
            continue
        if merged and merged[-1][1] == style:
            merged[-1] = (merged[-1][0] + text, style)
        else:
            merged.append((text, style))
    return merged


# ----------------------------------------------------------------------------------------------
# The console: width, styles, output


def _render_line(runs, console_width, codes):
    """One output line, cropped at the console width, with ANSI codes where `codes` has some."""
    out, room = [], console_width
    for text, style in runs:
        text = text[:room]
        room -= len(text)
        code = codes.get(style)
        out.append(f"\x1b[{code}m{text}\x1b[0m" if code and text else text)
    return "".join(out) + "\n"


def _stdout_is_terminal():
    """Whether rich would treat stdout as a terminal (it honours TTY_COMPATIBLE and FORCE_COLOR)."""
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "1"
    if "FORCE_COLOR" in os.environ:
        return os.environ["FORCE_COLOR"] != ""
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:
        return False


def _is_dumb_terminal():
    return os.environ.get("TERM", "").lower() in ("dumb", "unknown")


def _style_codes():
    if _is_dumb_terminal():
        return {}
    if os.environ.get("NO_COLOR", ""):
        return _BOLD_ONLY_CODES
    if os.environ.get("COLORTERM", "").strip().lower() in ("truecolor", "24bit"):
        return _STYLE_CODES_256
    colors = os.environ.get("TERM", "").strip().lower().rpartition("-")[2]
    return _STYLE_CODES_256 if colors in ("256color", "kitty") else _STYLE_CODES_16


def _console_width(is_terminal):
    """rich's console width: COLUMNS, else the size of the first of stdin/stdout/stderr that
    is a terminal, else 80 (always 80 on a dumb terminal)."""
    if is_terminal and _is_dumb_terminal():
        return 80
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns)
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns or 80
        except (AttributeError, ValueError, OSError):
            pass
    return 80
