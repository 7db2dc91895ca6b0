"""Every numpy call of one training step inside `fit`, and the step's CPU instructions piece by
piece: where the small fit's and the text fit's steps go.

    python bench/step_calls.py calls [small|text]         # numpy calls per step, by piece
    python bench/step_calls.py calls small --list         # ... and each call of one step
    python bench/step_calls.py instructions [small|text] [SRC]   # callgrind, by piece

The models are `bench/engine_instructions.py`'s: `small` the seed model (10-64-64-10, relu,
relu, softmax; Adam, categorical crossentropy, accuracy; batch 32), `text` bench_text's
(Embedding(10000, 16, mask_zero=True), GlobalAveragePooling1D, Dense(16, relu), Dense(1,
sigmoid); Adam, binary crossentropy, accuracy; batch 32 of 200 ids). Each fits one epoch of 10
steps first (the optimizer's slots, the packing and the compiled metrics are built), then the
measured epochs.

`calls` traces the measured epoch with an opcode tracer (`sys.settrace`) over minikeras' own
frames: at each call, operator (`+`, `*=`, `@`, `>`, `-x`), subscript and `with` it reads the
operands off the frame's value stack and records those that reach numpy: ufuncs and their
methods, numpy functions and types, ndarray methods, operators and indexing on ndarrays or
numpy scalars. (`sys.setprofile`'s `c_call` events see only builtin functions and methods: on
Python 3.11 neither a ufunc call nor an operator is one, and those are most of a step.) Calls
numpy makes inside its own Python functions are not listed (`np.take` is one call), nor what C
code calls (`map(np.asarray, ...)`); attribute reads such as `.T` are not calls. Each call is
put in the piece of the step it comes from (`piece`), and in the layer or gradient rule whose
frame is innermost (`where`).

`instructions` runs the measured epochs under callgrind (one BLAS thread), with the pieces'
entry points wrapped to dump the counters at each boundary (`CALLGRIND_DUMP_STATS_AT`, from a
small C helper compiled with the system's valgrind headers): every instruction between two
boundaries goes to the piece open there, so the pieces add up to the whole step. The wrappers
and the dumps cost some 3-4 k instructions a boundary (measured on a wrapped function that does
nothing, and printed), counted in the pieces around them; `less marks` subtracts that. "fit
loop" is what runs outside every piece (the epoch loop, the callbacks' hooks, the batches'
generator around `_rows`) less what a fit of no epochs runs there, shared out over the steps.

Reading the stack of a frame relies on CPython 3.11/3.12's frame layout (`_PyInterpreterFrame`:
`stacktop` at byte 64, `localsplus` at 72); other versions are refused.
"""

import collections
import ctypes
import dis
import functools
import glob
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS_PER_EPOCH = 10


def build(which):
    """`(model, x, y)` after a first epoch; the workloads of engine_instructions.py."""
    import minikeras as keras

    rng = np.random.default_rng(0)
    if which == "small":
        x = rng.random((320, 10), dtype=np.float32)
        y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 320)]
        model = keras.Sequential([
            keras.Input((10,)), keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    else:
        lengths = rng.integers(20, 201, 320)
        x = np.where(np.arange(200) < lengths[:, None], rng.integers(1, 10000, (320, 200)), 0)
        x, y = x.astype(np.int32), rng.integers(0, 2, (320, 1)).astype(np.float32)
        model = keras.Sequential([
            keras.Input((200,), dtype="int32"),
            keras.layers.Embedding(10000, 16, mask_zero=True),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    return model, x, y


# ----------------------------------------------------------------------------------------------
# The pieces of a step, read off the frames of a numpy call


# Functions called by `Trainer._train_step`, and the piece of the step each is.
_STEP_PIECES = {
    "__call__": "forward", "_compute_loss": "loss", "compute_loss": "loss",
    "update_state": "loss tracker", "_fit_gradient_buffers": "gradient buffers",
    "gradient": "backward", "apply": "optimizer", "_update_compiled_metrics": "metrics",
    "compute_metrics": "metrics",
}


def _piece_of(frame):
    """`(piece, where)` of a numpy call made in `frame`."""
    frames = []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back
    frames.reverse()  # outermost first
    names = [f.f_code.co_name for f in frames]
    piece = "fit loop"
    if "_train_step" in names:
        at = names.index("_train_step")
        piece = "step (trainer)" if at + 1 == len(frames) else _STEP_PIECES.get(
            names[at + 1], names[at + 1])
    elif any(f.f_code.co_filename.endswith(os.path.join("models", "data.py")) for f in frames):
        piece = "batches"
    elif any("callbacks" in f.f_code.co_filename for f in frames):
        piece = "callbacks"
    return piece, _where(frames)


def _where(frames):
    """The innermost layer, gradient rule or loss around a call, and its function."""
    from minikeras.layers.base import Layer
    from minikeras.models.model import Model

    owner = None
    for f in frames:
        node = f.f_locals.get("node") if f.f_code.co_name == "backprop" else None
        if node is not None:
            owner = f"{node.op} (vjp)"
        me = f.f_locals.get("self")
        if isinstance(me, Layer) and not isinstance(me, Model):
            owner = me.name
    inner = frames[-1].f_code
    function = getattr(inner, "co_qualname", inner.co_name)
    return f"{owner}: {function}" if owner else function


# ----------------------------------------------------------------------------------------------
# The opcode tracer


_POINTER = ctypes.POINTER(ctypes.c_void_p)


def _stack(frame, depth):
    """The top `depth` entries of `frame`'s value stack (deepest first; None for NULL)."""
    interpreter_frame = ctypes.c_void_p.from_address(id(frame) + 24).value
    top = ctypes.c_int.from_address(interpreter_frame + 64).value
    slots = ctypes.cast(interpreter_frame + 72, _POINTER)
    values = []
    for i in range(top - depth, top):
        address = slots[i]
        values.append(None if not address else ctypes.cast(address, ctypes.py_object).value)
    return values


def _is_numpy_value(x):
    return isinstance(x, (np.ndarray, np.generic))


def _numpy_callable(fn, args):
    """The name of a numpy callable, or None."""
    if isinstance(fn, np.ufunc):
        return f"np.{fn.__name__}"
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, np.ufunc):
        return f"np.{owner.__name__}.{fn.__name__}"
    if _is_numpy_value(owner):
        return f"ndarray.{fn.__name__}"
    objclass = getattr(fn, "__objclass__", None)
    if isinstance(objclass, type) and issubclass(objclass, (np.ndarray, np.generic)) and args \
            and _is_numpy_value(args[0]):
        return f"ndarray.{fn.__name__}"
    module = getattr(fn, "__module__", None) or ""
    if module == "numpy" or module.startswith("numpy."):
        return f"np.{getattr(fn, '__name__', type(fn).__name__)}"
    return None


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"{value.dtype.name}{list(value.shape)}".replace(" ", "")
    if isinstance(value, np.generic):
        return value.dtype.name
    if isinstance(value, (tuple, list)) and value and all(
            isinstance(v, np.ndarray) for v in value):
        return f"[{len(value)} arrays]"
    return type(value).__name__


class Tracer:
    """Records the numpy calls of minikeras' frames while active."""

    def __init__(self):
        if sys.version_info[:2] not in ((3, 11), (3, 12)):
            raise SystemExit("step_calls.py reads CPython 3.11/3.12 frames only")
        import minikeras

        self.root = os.path.dirname(minikeras.__file__)
        self.calls = []  # (step, piece, where, what, operands, location)
        self.step = -1
        self._instructions = {}  # code -> {offset: Instruction}

    def _code_map(self, code):
        found = self._instructions.get(code)
        if found is None:
            found = self._instructions[code] = {i.offset: i for i in dis.get_instructions(code)}
        return found

    def global_trace(self, frame, event, arg):
        code = frame.f_code
        if code.co_name == "_train_step" and event == "call":
            self.step += 1
        if not code.co_filename.startswith(self.root):
            return None
        frame.f_trace_opcodes = True
        frame.f_trace_lines = False
        return self.local_trace

    def local_trace(self, frame, event, arg):
        if event != "opcode":
            return self.local_trace
        instruction = self._code_map(frame.f_code).get(frame.f_lasti)
        if instruction is None:
            return self.local_trace
        found = self._numpy_operation(frame, instruction)
        if found is not None:
            what, operands = found
            piece, where = _piece_of(frame)
            location = f"{os.path.relpath(frame.f_code.co_filename, self.root)}:{frame.f_lineno}"
            self.calls.append((self.step, piece, where, what, operands, location))
        return self.local_trace

    def _numpy_operation(self, frame, instruction):
        name, arg = instruction.opname, instruction.arg
        if name == "BINARY_OP":
            a, b = _stack(frame, 2)
            if _is_numpy_value(a) or _is_numpy_value(b):
                return dis._nb_ops[arg][1], (_describe(a), _describe(b))
        elif name == "COMPARE_OP":
            a, b = _stack(frame, 2)
            if _is_numpy_value(a) or _is_numpy_value(b):
                return instruction.argval, (_describe(a), _describe(b))
        elif name in ("UNARY_NEGATIVE", "UNARY_INVERT", "UNARY_POSITIVE"):
            (a,) = _stack(frame, 1)
            if _is_numpy_value(a):
                return {"UNARY_NEGATIVE": "-x", "UNARY_INVERT": "~x", "UNARY_POSITIVE": "+x"}[
                    name], (_describe(a),)
        elif name == "BINARY_SUBSCR":
            a, index = _stack(frame, 2)
            if _is_numpy_value(a):
                return "x[index]", (_describe(a), _describe(index))
        elif name == "STORE_SUBSCR":
            value, a, index = _stack(frame, 3)
            if _is_numpy_value(a):
                return "x[index] = v", (_describe(a), _describe(index), _describe(value))
        elif name == "BEFORE_WITH":
            (manager,) = _stack(frame, 1)
            if type(manager).__module__.startswith("numpy"):
                return f"with np.{type(manager).__name__}", ()
        elif name == "PRECALL":
            entries = _stack(frame, arg + 2)
            fn, args = (entries[1], entries[2:]) if entries[0] is None else (
                entries[0], entries[1:])
            what = _numpy_callable(fn, args)
            if what is not None:
                return what, tuple(_describe(a) for a in args)
        elif name == "CALL_FUNCTION_EX":
            entries = _stack(frame, 2 + (arg & 1))
            fn, args = entries[0], entries[1]
            what = _numpy_callable(fn, list(args))
            if what is not None:
                return what, tuple(_describe(a) for a in args) + (("**kwargs",) if arg & 1 else ())
        return None

    def __enter__(self):
        sys.settrace(self.global_trace)
        return self

    def __exit__(self, *exc):
        sys.settrace(None)


def report_calls(which, listing):
    model, x, y = build(which)
    with Tracer() as tracer:
        model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    steps = tracer.step + 1
    assert steps == STEPS_PER_EPOCH, steps
    by_piece = collections.Counter()
    by_where = collections.Counter()
    for _, piece, where, *_ in tracer.calls:
        by_piece[piece] += 1
        by_where[piece, where] += 1
    print(f"numpy calls per step ({which} fit, {steps} steps traced; fractions are calls made "
          "once an epoch)")
    print(f"{'piece':18s} {'calls':>6s}")
    for piece, count in by_piece.most_common():
        print(f"{piece:18s} {count / steps:6.1f}")
        for (p, where), n in sorted(by_where.items(), key=lambda kv: -kv[1]):
            if p == piece:
                print(f"    {n / steps:5.1f}  {where}")
    print(f"{'all':18s} {len(tracer.calls) / steps:6.1f}")
    if listing:
        print("\nOne step (the fifth), in order:")
        for step, piece, where, what, operands, location in tracer.calls:
            if step == 4:
                print(f"  {piece:16s} {where:48s} {what:22s} {', '.join(operands):48s} "
                      f"{location}")


# ----------------------------------------------------------------------------------------------
# Instructions by piece (callgrind)


MARKS_SOURCE = """
#include <valgrind/callgrind.h>
void dump_at(const char *label) { CALLGRIND_DUMP_STATS_AT(label); }
void zero_stats(void) { CALLGRIND_ZERO_STATS; }
"""


def _marks_library(directory):
    source = os.path.join(directory, "marks.c")
    library = os.path.join(directory, "marks.so")
    with open(source, "w") as file:
        file.write(MARKS_SOURCE)
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", library, source], check=True)
    return ctypes.CDLL(library)


class Marks:
    """A stack of open pieces; each boundary dumps the counters for the piece that was open."""

    def __init__(self, library):
        self._library = library
        library.dump_at.argtypes = [ctypes.c_char_p]
        self._dump = lambda label: None  # until `start`: the warm-up calls dump nothing
        self._open = [b"fit loop"]  # what is open outside every piece

    def start(self):
        self._dump = self._library.dump_at
        self._library.zero_stats()

    def enter(self, label):
        self._dump(self._open[-1])
        self._open.append(label)

    def leave(self):
        self._dump(self._open.pop())

    def wrap(self, function, label):
        label = label.encode()
        enter, leave = self.enter, self.leave

        @functools.wraps(function)
        def marked(*args, **kwargs):
            enter(label)
            try:
                return function(*args, **kwargs)
            finally:
                leave()
        return marked


def instrument(model, marks):
    """Wrap the entry points of the step's pieces of `model` (on the instances, and the tape's
    and autodiff's module functions the step goes through)."""
    from minikeras import autodiff
    from minikeras.core import tape
    from minikeras.models import data as data_lib

    model._train_step = marks.wrap(model._train_step, "step (trainer)")
    model.call = marks.wrap(model.call, "forward (engine)")
    model._compute_loss = marks.wrap(model._compute_loss, "loss")
    model._loss_tracker.update_state = marks.wrap(model._loss_tracker.update_state,
                                                  "loss tracker")
    model._update_compiled_metrics = marks.wrap(model._update_compiled_metrics, "metrics")
    optimizer = model.optimizer
    optimizer._fit_gradient_buffers = marks.wrap(optimizer._fit_gradient_buffers,
                                                 "gradient buffers")
    optimizer.apply = marks.wrap(optimizer.apply, "optimizer")
    tape.GradientTape.gradient = marks.wrap(tape.GradientTape.gradient, "backward (tape)")
    data_lib._rows = marks.wrap(data_lib._rows, "batches")
    for layer in model.layers:
        layer.forward = marks.wrap(layer.forward, f"{layer.name} forward")
        layer.backward = marks.wrap(layer.backward, f"{layer.name} backward")
        if layer._computes_mask:
            layer.compute_mask = marks.wrap(layer.compute_mask, f"{layer.name} mask")
        activation = getattr(layer, "activation", None)
        if activation is not None and not getattr(layer, "_linear", True):
            layer.activation = marks.wrap(activation, f"{layer.name} {activation.__name__}")
    primitive = autodiff.primitive  # activations and losses record their gradient rules here

    def marked_primitive(value, vjp, parent, op):
        label = "loss backward" if op == "loss" else f"{op} backward"
        return primitive(value, marks.wrap(vjp, label), parent, op)
    autodiff.primitive = marked_primitive


WORKLOAD = """
import sys
sys.path.insert(0, {here!r})
import numpy as np
import step_calls
model, x, y = step_calls.build({which!r})
marks = step_calls.Marks(step_calls._marks_library({directory!r}))
step_calls.instrument(model, marks)
model.fit(x, y, epochs=1, batch_size=32, verbose=0)  # the wrappers' first calls
marks.start()
marks.enter(b"fit setup")  # a fit's own work, outside its epochs (subtracted from "fit loop")
model.fit(x, y, epochs=0, batch_size=32, verbose=0)
marks.leave()
model.fit(x, y, epochs={epochs}, batch_size=32, verbose=0)
marks.enter(b"end of fit")
nothing = marks.wrap(lambda: None, "calibration")
for _ in range({calibration}):
    nothing()
marks.leave()
"""


def report_instructions(which, src, epochs=3, calibration=200):
    with tempfile.TemporaryDirectory() as directory:
        script = os.path.join(directory, "workload.py")
        with open(script, "w") as file:
            file.write(WORKLOAD.format(here=HERE, which=which, directory=directory,
                                       epochs=epochs, calibration=calibration))
        out = os.path.join(directory, "callgrind.out")
        env = {**os.environ, "PYTHONPATH": src, "OPENBLAS_NUM_THREADS": "1",
               "PYTHONHASHSEED": "0"}
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", "--dump-line=no",
             "--compress-strings=no", sys.executable, script], env=env, check=True,
            capture_output=True)
        totals, boundaries = collections.Counter(), collections.Counter()
        for path in glob.glob(out + ".*"):
            with open(path) as file:
                text = file.read()
            label = re.search(r"^desc: Trigger: Client Request: (.*)$", text, re.M)
            summary = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
            if label is None or summary is None:
                continue
            totals[label.group(1)] += int(summary.group(1))
            boundaries[label.group(1)] += 1
    steps = epochs * STEPS_PER_EPOCH
    # A wrapped call of nothing is two boundaries and the wrapper, and nothing else.
    mark_cost = (totals["calibration"] + totals["end of fit"]) / (2 * calibration)
    totals["fit loop"] -= totals.pop("fit setup")  # as engine_instructions.py subtracts it
    boundaries["fit loop"] -= boundaries.pop("fit setup")
    print(f"instructions per step ({which} fit, {steps} steps under callgrind, one BLAS thread); "
          f"each boundary costs about {mark_cost:,.0f}, counted in the pieces around it")
    print(f"{'piece':28s} {'instructions':>13s} {'boundaries':>10s} {'less marks':>12s}")
    whole = whole_less = 0
    for label, total in sorted(totals.items(), key=lambda kv: -kv[1]):
        if label in ("calibration", "end of fit"):
            continue
        per_step, marks_per_step = total / steps, boundaries[label] / steps
        less = per_step - marks_per_step * mark_cost
        whole, whole_less = whole + per_step, whole_less + less
        print(f"{label:28s} {per_step:13,.0f} {marks_per_step:10.1f} {less:12,.0f}")
    print(f"{'whole step':28s} {whole:13,.0f} {'':10s} {whole_less:12,.0f}")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "calls"
    which = sys.argv[2] if len(sys.argv) > 2 else "small"
    if which not in ("small", "text"):
        raise SystemExit(f"unknown model {which!r}: small or text")
    if mode == "calls":
        report_calls(which, "--list" in sys.argv)
    elif mode == "instructions":
        rest = [a for a in sys.argv[3:] if not a.startswith("-")]
        src = os.path.abspath(rest[0]) if rest else os.path.join(os.path.dirname(HERE), "src")
        report_instructions(which, src)
    else:
        raise SystemExit(__doc__)
