"""What importing minikeras and reaching its first names costs, in fresh processes.

    python bench/import_time.py [SRC ...]    # default: this checkout's src; e.g. a checkout
                                             # of the commit before a change, and this one

For each source tree and statement: the CPU time (and wall time) the statement takes after
`import numpy`, median of `BENCH_ROUNDS` (9) fresh processes after one that writes the
bytecode, and how many minikeras modules it loaded; then, for the demo's imports, `python -X
importtime`'s self time summed over minikeras' modules and over `minikeras.layers`' (median of
the same rounds). Bytecode goes to a per-tree `PYTHONPYCACHEPREFIX` and
`PYTHONDONTWRITEBYTECODE` is unset: without cached bytecode every import compiles its source.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 9))
DEMO_IMPORTS = ("from minikeras.datasets import digits\nfrom minikeras.layers import Dense\n"
                "from minikeras.models import Sequential, load_model\n"
                "from minikeras.utils import set_random_seed, to_categorical")
STATEMENTS = {
    "import minikeras": "import minikeras",
    "import minikeras; minikeras.layers.Dense": "import minikeras; minikeras.layers.Dense",
    "the demo's imports (examples/demo.py)": DEMO_IMPORTS,
    "Sequential([Input, Dense, Dense]), compile": (
        "import minikeras as mk\nm = mk.Sequential([mk.Input((10,)), mk.layers.Dense(64, "
        "activation='relu'), mk.layers.Dense(10, activation='softmax')])\n"
        "m.compile('adam', 'categorical_crossentropy')"),
    # SEED_FILE: that model, compiled and saved as .keras by each tree's own minikeras
    "load_model(that model's .keras file)": (
        "from minikeras.models import load_model\nload_model(SEED_FILE)"),
}
SAVE_SEED = ("import sys\nimport minikeras as mk\nm = mk.Sequential([mk.Input((10,)), "
             "mk.layers.Dense(64, activation='relu'), mk.layers.Dense(10, activation='softmax')])\n"
             "m.compile('adam', 'categorical_crossentropy')\nm.save(sys.argv[1])")
TIMED = ("import sys, time, numpy\nbefore = set(sys.modules)\n"
         "c, w = time.process_time(), time.perf_counter()\nexec(compile({!r}, 's', 'exec'))\n"
         "print(time.process_time() - c, time.perf_counter() - w, "
         "sum(m.startswith('minikeras') for m in set(sys.modules) - before))")
IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")


def environment(src, cache):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": src, "PYTHONPYCACHEPREFIX": cache}


def run(env, *args):
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          check=True)


def measure(src, cache):
    env = environment(src, cache)
    os.makedirs(cache, exist_ok=True)
    seed_file = os.path.join(cache, "seed.keras")
    run(env, "-c", SAVE_SEED, seed_file)
    for label, statement in STATEMENTS.items():
        code = TIMED.format(statement.replace("SEED_FILE", repr(seed_file)))
        run(env, "-c", code)  # writes the bytecode
        rounds = [[float(v) for v in run(env, "-c", code).stdout.split()] for _ in range(ROUNDS)]
        cpu, wall = (statistics.median(r[i] for r in rounds) * 1e3 for i in (0, 1))
        print(f"  {label:44} CPU {cpu:6.1f} ms  wall {wall:6.1f} ms  "
              f"{int(rounds[0][2]):3d} minikeras modules")
    sums = {"minikeras": [], "minikeras.layers": []}
    for _ in range(ROUNDS):
        found = IMPORTTIME.findall(run(env, "-X", "importtime", "-c",
                                       f"import numpy\n{DEMO_IMPORTS}").stderr)
        for prefix, values in sums.items():
            values.append(sum(int(us) for us, name in found
                              if name == prefix or name.startswith(prefix + ".")))
    for prefix, values in sums.items():
        print(f"  -X importtime, the demo's imports: self time of {prefix}* "
              f"{statistics.median(values) / 1e3:6.1f} ms")


def main(sources):
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    with tempfile.TemporaryDirectory() as caches:
        for number, src in enumerate(sources or [here]):
            print(src)
            measure(os.path.abspath(src), os.path.join(caches, str(number)))
    print("load average", " ".join(f"{v:.1f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main(sys.argv[1:])
