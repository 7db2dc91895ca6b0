"""Run every script of compat/examples under real Keras and under `minikeras run`, unmodified,
and write the results into docs/compat.md, section "Unmodified Keras scripts".

    python compat/run_examples.py                 # 5 seeds each, writes the docs section
    python compat/run_examples.py --quick -n 1    # short runs, prints only
    python compat/run_examples.py --only NAME     # reruns NAME, merged into the stored results

Each script ends with a line `RESULT {json}`. Keras is the oracle venv's Python running the
script directly (`/tmp/oracle/bin/python script.py`: Keras 3 on TensorFlow); minikeras is
`python -m minikeras run script.py` with this checkout's `src` first on PYTHONPATH. A script
runs once per seed (`EXAMPLES_SEED`), so the table can tell a real difference from the spread
between seeds: a metric is "within noise" when the two means differ by at most three standard
errors of their difference (or by at most 1e-6, for the deterministic checks). Three, not two:
with some 25 metrics compared, a two-error bound would flag one or two by chance alone.
`EXPLAINED` lists the differences that are understood and are Keras', with the evidence.
"""

import argparse
import json
import math
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "compat" / "examples"
HELPERS = {"example_data.py", "text_data.py"}  # imported by the examples, not one of them
# Scripts written but not yet run five times under both (none today).
PENDING = set()
DOC = ROOT / "docs" / "compat.md"
RAW = ROOT / "compat" / "data" / "examples_results.json"
SECTION = "## Unmodified Keras scripts"
ORACLE = "/tmp/oracle/bin/python"

_EMBEDDING_ADAM_ON_TENSORFLOW = (
    "Keras on TensorFlow trains an Embedding with Adam differently: its gradient is one "
    "`IndexedSlices` slice per token occurrence, and Adam's second moment gets the sum of the "
    "squared slices, not the square of their sum, wherever a token recurs in a batch "
    "(padding, common words). Keras 3 on JAX keeps the gradient dense, as minikeras does, "
    "and trains to minikeras' weights within 3e-8, where TensorFlow ends 1e-2 away; with "
    "every batch's tokens distinct all three agree (`compat/check_embedding_adam.py`). The "
    "test loss and accuracy agree; the two hand-written reviews' scores, each made of a few "
    "words' embedding rows, show the difference.")
# (script, metric) -> why Keras differs there; shown as a note under the table.
EXPLAINED = {
    ("regression_early_stopping.py", "epochs_run"): (
        "Keras on TensorFlow, once seeded, feeds the training set in the same shuffled order "
        "every epoch: its tf.data permutation restarts with each epoch's iterator (seen by "
        "recording the batches a layer receives). minikeras draws a new order every epoch, as "
        "Keras does on JAX. With the order fixed, the validation loss stalls later, so Keras on "
        "TensorFlow stops later. On JAX (`KERAS_BACKEND=jax python compat/run_examples.py "
        "--only regression_early_stopping --no-write`), Keras 3 stops after 86.2 ± 11.9 epochs "
        "over the same seeds, minikeras after 98.0 ± 20.0; the test errors agree throughout."),
    ("text_classification.py", "positive_score"): _EMBEDDING_ADAM_ON_TENSORFLOW,
    ("text_classification.py", "negative_score"): _EMBEDDING_ADAM_ON_TENSORFLOW,
    **dict.fromkeys(
        [("imdb_lstm.py", "test_accuracy"), ("imdb_lstm.py", "positive_score"),
         ("imdb_lstm.py", "negative_score")],
        "The same Embedding-with-Adam difference of Keras on TensorFlow, here under an LSTM "
        "(each review recurs words and padding, so the second moments of their rows differ "
        "every step). On JAX (`KERAS_BACKEND=jax python compat/run_examples.py --only "
        "imdb_lstm --no-write`), Keras 3 over the same seeds gives test_accuracy 0.8888 ± "
        "0.0084, positive_score 0.5491 ± 0.0164 and negative_score 0.3752 ± 0.0233, against "
        "minikeras' 0.8868 ± 0.0083, 0.5629 ± 0.0256 and 0.3720 ± 0.0476: all within noise."),
}


def scripts():
    """The example scripts, by name."""
    return sorted(p for p in EXAMPLES.glob("*.py") if p.name not in HELPERS | PENDING)


def command(runner, script):
    """The command line running `script` under `runner` ("keras" or "minikeras")."""
    if runner == "keras":
        return [ORACLE, str(script)]
    return [sys.executable, "-m", "minikeras", "run", str(script)]


def run(script, runner, seed=1, quick=False, timeout=1800):
    """Run `script` once; returns its RESULT dict plus `process_seconds`, the wall time of the
    whole process (interpreter start and imports included). Raises RuntimeError if it fails."""
    env = dict(os.environ, EXAMPLES_SEED=str(seed), EXAMPLES_QUICK="1" if quick else "0",
               TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    started = time.perf_counter()
    done = subprocess.run(command(runner, script), env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    seconds = time.perf_counter() - started
    results = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or not results:
        raise RuntimeError(f"{script.name} under {runner} failed (exit {done.returncode}):\n"
                           f"{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return {**json.loads(results[-1][len("RESULT "):]), "process_seconds": round(seconds, 2)}


# ----------------------------------------------------------------------------------------------
# Summaries


def _stats(values):
    mean = sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) if len(
        values) > 1 else 0.0
    return mean, spread


def _within_noise(keras_values, minikeras_values):
    (km, ks), (mm, ms) = _stats(keras_values), _stats(minikeras_values)
    error = math.sqrt(ks**2 / len(keras_values) + ms**2 / len(minikeras_values))
    return abs(km - mm) <= max(3 * error, 1e-6)


def _cell(values, digits):
    if all(isinstance(v, (bool, str)) for v in values):
        return ", ".join(sorted({str(v).lower() for v in values}))
    mean, spread = _stats(values)
    return f"{mean:.{digits}f} ± {spread:.{digits}f}" if len(values) > 1 else f"{mean:.{digits}f}"


def rows(results):
    """One table row per (script, metric): the two runners' values and the verdict (✓,
    "note n" for an `EXPLAINED` difference, or ✗)."""
    table, notes = [], _notes()
    for name, by_runner in results.items():
        keras_runs, minikeras_runs = by_runner["keras"], by_runner["minikeras"]
        for key in keras_runs[0]:
            if key in ("seconds", "process_seconds", "data"):
                continue
            k = [r[key] for r in keras_runs]
            m = [r[key] for r in minikeras_runs]
            if all(isinstance(v, (bool, str)) for v in k + m):
                verdict = "✓" if set(map(str, k)) == set(map(str, m)) else "✗ differs"
            else:
                verdict = "✓" if _within_noise(k, m) else "✗ outside noise"
            if (name, key) in EXPLAINED:
                note = notes.index(EXPLAINED[name, key]) + 1
                verdict = f"✓ (note {note})" if verdict == "✓" else f"Keras' own (note {note})"
            numeric = [abs(v) for v in k + m if not isinstance(v, (bool, str))]
            digits = 1 if numeric and max(numeric) >= 100 else 4
            table.append(f"| `{name}` | {key} | {_cell(k, digits)} | {_cell(m, digits)} | "
                         f"{verdict} |")
    return table


def _notes():
    """The distinct explanations, numbered in order (one note for several metrics)."""
    return list(dict.fromkeys(EXPLAINED.values()))


def timing_rows(results):
    table = []
    for name, by_runner in results.items():
        cells = []
        for runner in ("keras", "minikeras"):
            script = _stats([r["seconds"] for r in by_runner[runner]])[0]
            process = _stats([r["process_seconds"] for r in by_runner[runner]])[0]
            cells.append(f"{script:.1f} | {process:.1f}")
        data = by_runner["keras"][0].get("data", "")
        table.append(f"| `{name}` | {data} | {' | '.join(cells)} |")
    return table


def section(results, repeats, environment):
    """The markdown of the docs section."""
    return "\n".join([
        SECTION,
        "",
        "Made by `compat/run_examples.py`. Each script in `compat/examples/` is ordinary Keras "
        "code, written as the classic Keras examples and tutorials are; it runs unmodified under "
        "Keras 3.15 on TensorFlow (`python script.py`) and under minikeras "
        "(`python -m minikeras run script.py`), which answers its `keras`, `tensorflow.keras` "
        "and `tensorflow` imports (`minikeras.compat`). The datasets Keras would download are "
        "read from Keras' cache when there; otherwise each script uses the offline stand-in "
        "described in `compat/examples/example_data.py` (the `data` column): MNIST becomes the "
        "bundled UCI digits enlarged to 28x28, Reuters a synthetic bag-of-words corpus, Boston "
        "Housing Friedman's regression problem #1.",
        "",
        f"Every script ran {repeats} times under each, with seeds 1 to {repeats} "
        "(`EXAMPLES_SEED`): values are mean ± standard deviation over the seeds. The two "
        "frameworks draw different initial weights and batches from the same seed, so single "
        "runs differ; a metric is within noise when the means differ by at most three standard "
        "errors of their difference (with some 25 metrics, two would flag one or two by chance "
        "alone). Checks that do not depend on the draw (restored and reloaded accuracies, same "
        "predictions, penalties) must agree exactly.",
        "",
        "| script | metric | Keras 3.15 | minikeras | within noise |",
        "|---|---|---|---|---|",
        *rows(results),
        "",
        *[f"{i}. " + "; ".join(f"`{name}`, {key}" for (name, key), text in EXPLAINED.items()
                               if text == why) + f": {why}" for i, why in enumerate(_notes(), 1)],
        "",
        f"Seconds, mean over the runs ({environment}): `script` is the script's own clock, "
        "from after its imports to its RESULT line; `process` is the whole command, interpreter "
        "start and imports (TensorFlow's take a few seconds) included.",
        "",
        "| script | data | Keras script | Keras process | minikeras script | minikeras process |",
        "|---|---|---|---|---|---|",
        *timing_rows(results),
        "",
    ])


def write_section(text):
    """Replace (or append) our section of docs/compat.md, leaving the other sections alone."""
    document = DOC.read_text() if DOC.exists() else "# Compatibility with Keras\n"
    begin = document.find(SECTION + "\n")
    if begin < 0:
        document = document.rstrip("\n") + "\n\n" + text
    else:
        end = document.find("\n## ", begin + len(SECTION))
        rest = document[end + 1:] if end >= 0 else ""
        document = document[:begin] + text + ("\n" + rest if rest else "")
    DOC.write_text(document)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--repeats", type=int, default=5, help="seeds per script")
    parser.add_argument("--quick", action="store_true", help="short training (EXAMPLES_QUICK=1)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run these scripts only")
    parser.add_argument("--no-write", action="store_true", help="print, do not write the docs")
    parser.add_argument("--render", action="store_true",
                        help=f"rewrite the docs section from {RAW.name} without running")
    args = parser.parse_args(argv)
    if args.render:
        stored = json.loads(RAW.read_text())
        write_section(section(stored["results"], stored["repeats"], stored["environment"]))
        print(f"Wrote {DOC} (section {SECTION!r}) from {RAW}")
        return
    chosen = [s for s in scripts() if not args.only or s.stem in args.only]
    results = {}
    for script in chosen:
        results[script.name] = {}
        for runner in ("keras", "minikeras"):
            runs = []
            for seed in range(1, args.repeats + 1):
                runs.append(run(script, runner, seed, args.quick))
                print(f"{script.name:36} {runner:10} seed {seed}: {runs[-1]}", flush=True)
            results[script.name][runner] = runs
    environment = f"{os.cpu_count()} cores, run one at a time"
    text = section(results, args.repeats, environment)
    print(text)
    if not (args.no_write or args.quick):
        stored = {"repeats": args.repeats, "environment": environment, "results": results}
        if args.only:
            previous = json.loads(RAW.read_text())
            if previous["repeats"] != args.repeats:
                sys.exit(f"{RAW.name} holds {previous['repeats']} seeds per script; rerun with "
                         f"-n {previous['repeats']} to merge")
            stored = {**previous, "results": {**previous["results"], **results}}
        write_section(section(stored["results"], stored["repeats"], stored["environment"]))
        RAW.write_text(json.dumps(stored, indent=1) + "\n")
        print(f"Wrote {DOC} (section {SECTION!r}) and {RAW}")


if __name__ == "__main__":
    main()
