"""A long fuzz run of the loaders: thousands of mutated Keras files, each loaded and inspected
in its own forked process, so that a hang, a crash or a memory flood is counted, not suffered.

    python bench/fuzz_loaders.py [--count 2500] [--seed 0] [--timeout 10] [--formats h5 keras]
                                 [--kind metadata|strings]

Prints, per format, how many mutants loaded, were refused with an error naming the file, were
refused without naming it, raised another exception type, hung (past `--timeout` seconds),
crashed (killed by a signal) or grew the process by more than `--memory` MB; then an example
of each bad outcome. The mutants are tests/loader_fuzz.py's, as in the test suite's short run
(tests/test_loader_safety.py). Results are recorded in docs/safety.md.
"""

import argparse
import collections
import os
import pathlib
import resource
import signal
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "src"))

import loader_fuzz  # noqa: E402
import minikeras  # noqa: E402,F401  (imported once, before the children fork)
from minikeras.saving import file_info  # noqa: E402,F401

GOOD = ("loaded", "refused")


def run_one(path, format, model, timeout, memory_mb):
    """The outcome of one mutant, loaded in a forked child."""
    read, write = os.pipe()
    rss_at_fork = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB
    pid = os.fork()
    if pid == 0:  # the child: one load and inspect, the outcome on the pipe
        os.close(read)
        # A cap far above any healthy load keeps a flood from taking the machine down.
        limit = _address_space() + (memory_mb << 22)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        result = loader_fuzz.outcome(path, format, model)
        os.write(write, result.encode())
        os._exit(0)
    os.close(write)
    deadline = time.monotonic() + timeout
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            os.close(read)
            return "hang"
        time.sleep(0.002)
    result = os.read(read, 200).decode() or "no result"
    os.close(read)
    if os.WIFSIGNALED(status):
        return f"crash ({signal.Signals(os.WTERMSIG(status)).name})"
    if (usage.ru_maxrss - rss_at_fork) > memory_mb * 1024:
        return "memory"
    return result


def _address_space():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * resource.getpagesize()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2500, help="mutants per format")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a hang")
    parser.add_argument("--memory", type=int, default=200, help="MB of growth that is a flood")
    parser.add_argument("--formats", nargs="+", default=list(loader_fuzz.SOURCES))
    parser.add_argument("--kind", choices=("metadata", "strings"), default="metadata",
                        help="bytes changed anywhere in the HDF5 metadata, or only in the "
                             "variable-length strings' descriptors")
    args = parser.parse_args()
    start = time.time()
    examples = {}
    with tempfile.TemporaryDirectory() as directory:
        for format in args.formats:
            model = loader_fuzz.architecture(format)
            path = pathlib.Path(directory) / f"mutant.{format}"
            counts = collections.Counter()
            for what, data in loader_fuzz.mutants(format, args.count, args.seed, args.kind):
                path.write_bytes(data)
                result = run_one(path, format, model, args.timeout, args.memory)
                counts[result] += 1
                if result not in GOOD:
                    examples.setdefault((format, result), what)
            print(f"{format:18} " + ", ".join(f"{key}: {n}" for key, n in sorted(counts.items())),
                  flush=True)
    for (format, result), what in sorted(examples.items()):
        print(f"  {format} {result}: {what}")
    print(f"{args.count} mutants per format ({args.kind}), seed {args.seed}, "
          f"{time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
