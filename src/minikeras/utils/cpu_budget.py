"""How many CPUs this process can really use: its affinity mask, its container's CPU quota, and
what other processes keep busy.

BLAS threads that cannot all run at once wait on each other: on two cores with another process
keeping one busy, two OpenBLAS threads made mnist_mlp's step five times slower than one. So the
thread policy (`backend.blas_threads_for`) asks for no more threads than there are CPUs free.
The load is read from `/proc/stat` (busy time of the CPUs in the affinity mask) and the
cgroup's own usage counter, less this process' CPU time, averaged between two readings; a
reading costs tens of microseconds and is taken at most once a second, when a threading
decision is asked for (once per `fit` or `predict`), never per batch. Where none of these files
exist (macOS, Windows) every CPU counts as free.
"""

import os
import time

MIN_INTERVAL = 0.05  # seconds between readings below which /proc/stat's 10 ms ticks say little
REFRESH = 1.0  # seconds a measured load is reused before reading again


def affinity_cpus():
    """The ids of the CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def parse_cpu_max(text):
    """CPUs granted by a cgroup v2 `cpu.max` ("150000 100000" -> 1.5; "max 100000" -> None)."""
    fields = text.split()
    if not fields or fields[0] == "max":
        return None
    quota, period = int(fields[0]), int(fields[1]) if len(fields) > 1 else 100000
    return quota / period if quota > 0 and period > 0 else None


def parse_cfs_quota(quota_text, period_text):
    """CPUs granted by cgroup v1's `cpu.cfs_quota_us` and `cpu.cfs_period_us` (-1: no limit)."""
    quota, period = int(quota_text), int(period_text)
    return quota / period if quota > 0 and period > 0 else None


def cgroup_dirs(proc_cgroup="/proc/self/cgroup", root="/sys/fs/cgroup"):
    """[(version, directory)] of this process' CPU cgroup and its ancestors, nearest first: a
    quota set on a parent (a container's) binds the child too."""
    try:
        with open(proc_cgroup) as file:
            lines = file.read().splitlines()
    except OSError:
        return []
    dirs = []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":
            bases = [(2, root), (2, os.path.join(root, "unified"))]
        elif {"cpu", "cpuacct"} & set(controllers.split(",")):
            bases = [(1, os.path.join(root, name)) for name in (controllers, "cpu,cpuacct")]
        else:
            continue
        for version, base in bases:
            parts = [p for p in path.split("/") if p]
            for depth in range(len(parts), -1, -1):
                directory = os.path.join(base, *parts[:depth])
                if os.path.isdir(directory) and (version, directory) not in dirs:
                    dirs.append((version, directory))
    return dirs


def quota_cpus(dirs):
    """The smallest CPU quota among `dirs` (from `cgroup_dirs`), or None where none is set."""
    limits = []
    for version, directory in dirs:
        try:
            if version == 2:
                limit = parse_cpu_max(_read(os.path.join(directory, "cpu.max")))
            else:
                limit = parse_cfs_quota(_read(os.path.join(directory, "cpu.cfs_quota_us")),
                                        _read(os.path.join(directory, "cpu.cfs_period_us")))
        except (OSError, ValueError, IndexError):
            continue
        if limit is not None:
            limits.append(limit)
    return min(limits, default=None)


def busy_seconds(stat_text, cpus, ticks_per_second=100):
    """CPU-seconds the CPUs `cpus` spent on anything but idle and iowait since boot, from the
    per-CPU lines of `/proc/stat` (steal counts as busy: another guest had the CPU)."""
    wanted = {f"cpu{cpu}" for cpu in cpus}
    total = 0
    for line in stat_text.splitlines():
        fields = line.split()
        if fields and fields[0] in wanted:
            ticks = [int(value) for value in fields[1:9]]  # user nice system idle iowait irq softirq steal
            total += sum(ticks) - ticks[3] - ticks[4]
    return total / ticks_per_second


def cgroup_usage_seconds(dirs):
    """CPU-seconds used by this process' own cgroup (v2 `cpu.stat`, v1 `cpuacct.usage`)."""
    for version, directory in dirs:
        try:
            if version == 2:
                for line in _read(os.path.join(directory, "cpu.stat")).splitlines():
                    if line.startswith("usage_usec "):
                        return int(line.split()[1]) / 1e6
            elif os.path.exists(os.path.join(directory, "cpuacct.usage")):
                return int(_read(os.path.join(directory, "cpuacct.usage"))) / 1e9
        except (OSError, ValueError, IndexError):
            continue
    return None


def threads_that_can_run(budget, free_cpus):
    """At most `budget` threads, one per CPU that other work leaves more than half free, and at
    least one."""
    return max(1, min(budget, int(free_cpus + 0.5)))


class CpuBudget:
    """The CPUs this process can use now: `free()` is the CPUs of the affinity mask less what
    other processes kept busy on them, and the quota less what the rest of the cgroup used,
    whichever is smaller, between the last two readings."""

    def __init__(self, stat="/proc/stat", proc_cgroup="/proc/self/cgroup", root="/sys/fs/cgroup",
                 clock=time.monotonic, own_seconds=time.process_time):
        self.stat, self.clock, self.own_seconds = stat, clock, own_seconds
        self.cpus = affinity_cpus()
        self.dirs = cgroup_dirs(proc_cgroup, root)
        self.quota = quota_cpus(self.dirs)
        self.host_busy = self.cgroup_busy = 0.0  # CPUs other processes use, on our CPUs, in our cgroup
        self._measured_at = None
        self._last = self._reading()

    def _reading(self):
        """(wall, busy CPU-seconds of our CPUs, of our cgroup, our own CPU-seconds), or None."""
        try:
            busy = busy_seconds(_read(self.stat), self.cpus)
        except (OSError, ValueError, IndexError):
            return None
        usage = cgroup_usage_seconds(self.dirs) if self.quota is not None else None
        return self.clock(), busy, usage, self.own_seconds()

    def free(self):
        """Capacity less the CPUs other processes kept busy, read at most once a second."""
        now = self.clock()
        fresh = self._measured_at is not None and now - self._measured_at < REFRESH
        if self._last is not None and not fresh and now - self._last[0] >= MIN_INTERVAL:
            reading = self._reading()
            if reading is not None:
                self.host_busy, self.cgroup_busy = others_busy(self._last, reading)
                self._last, self._measured_at = reading, now
        free = len(self.cpus) - self.host_busy
        if self.quota is not None:
            free = min(free, self.quota - self.cgroup_busy)
        return free


def others_busy(before, after):
    """CPUs kept busy by other processes between two `CpuBudget` readings, on our CPUs and
    within our cgroup (0 where its usage is unknown): each counter less our own CPU time."""
    wall = after[0] - before[0]
    own = after[3] - before[3]
    host = max(0.0, (after[1] - before[1] - own) / wall)
    cgroup = 0.0
    if after[2] is not None and before[2] is not None:
        cgroup = max(0.0, (after[2] - before[2] - own) / wall)
    return host, cgroup


def _read(path):
    with open(path) as file:
        return file.read()
