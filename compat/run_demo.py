"""The demo under minikeras and under real Keras 3, over several seeds; writes docs/compat.md.

    python compat/run_demo.py      # needs the oracle at /tmp/oracle (or $MINIKERAS_ORACLE)

The Keras run is examples/demo.py with its `minikeras.layers/models/utils` imports swapped for
`keras.*`, the swap a user makes; the digits data still come from minikeras' bundled copy.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORACLE = os.environ.get("MINIKERAS_ORACLE", "/tmp/oracle/bin/python")
SEEDS = range(1, 6)
RESULT = re.compile(r"test loss ([\d.]+), test accuracy ([\d.]+)")


def keras_source():
    with open(os.path.join(ROOT, "examples", "demo.py")) as f:
        source = f.read()
    for module in ("layers", "models", "utils"):
        source = source.replace(f"from minikeras.{module} import", f"from keras.{module} import")
    return source


def run(python, script, seed):
    env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "src"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    start = time.perf_counter()
    out = subprocess.run([python, script, str(seed)], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    match = RESULT.search(out.stdout)
    if not match:
        raise RuntimeError(out.stdout[-2000:] + out.stderr[-2000:])
    return float(match.group(1)), float(match.group(2)), seconds


def main():
    with tempfile.TemporaryDirectory() as folder:
        keras_demo = os.path.join(folder, "demo_keras.py")
        with open(keras_demo, "w") as f:
            f.write(keras_source())
        runs = {
            "minikeras": [run(sys.executable, os.path.join(ROOT, "examples", "demo.py"), s) for s in SEEDS],
            "Keras 3.15 (TensorFlow)": [run(ORACLE, keras_demo, s) for s in SEEDS],
        }
    lines = [
        "## The demo (`make demo`)",
        "",
        "Made by `compat/run_demo.py`: `examples/demo.py` (the seed tutorial's model trained on the "
        "bundled UCI digits projected on 10 principal components, 20 epochs of Adam) under "
        "minikeras and, with its imports swapped, under real Keras 3.15 on TensorFlow, with seeds "
        f"{SEEDS.start} to {SEEDS.stop - 1}. Mean ± standard deviation over the seeds; time is the "
        "whole process, import included.",
        "",
        "| run | test loss | test accuracy | seconds |",
        "|---|---|---|---|",
    ]
    for name, results in runs.items():
        loss, accuracy, seconds = zip(*results)
        lines.append(
            f"| {name} | {statistics.mean(loss):.4f} ± {statistics.stdev(loss):.4f} "
            f"| {statistics.mean(accuracy):.4f} ± {statistics.stdev(accuracy):.4f} "
            f"| {statistics.mean(seconds):.2f} |"
        )
    replace_section(os.path.join(ROOT, "docs", "compat.md"), "## The demo", "\n".join(lines) + "\n")
    print("\n".join(lines))


def replace_section(path, heading, text):
    """Put `text` in place of the section starting with `heading` (or append it)."""
    with open(path) as f:
        document = f.read()
    start = document.find(heading)
    if start < 0:
        document = document.rstrip("\n") + "\n\n" + text
    else:
        end = document.find("\n## ", start + len(heading))
        document = document[:start] + text + (document[end + 1:] if end >= 0 else "")
    with open(path, "w") as f:
        f.write(document)


if __name__ == "__main__":
    main()
