"""The BLAS thread policy's decisions: the container's CPU quota, the affinity mask and the load
of other processes, read from files (fake ones here), never from timings."""

import os
import subprocess
import sys

import pytest

from minikeras import backend
from minikeras.utils import cpu_budget

STAT = """cpu  {all} 0 0 0 0 0 0 0 0 0
cpu0 {c0} 0 {s0} {i0} 5 0 0 {st0} 0 0
cpu1 {c1} 0 0 {i1} 0 0 0 0 0 0
cpu2 {c2} 0 0 0 0 0 0 0 0 0
intr 12345 1 2 3
ctxt 999
"""


def stat_text(c0=0, s0=0, i0=0, st0=0, c1=0, i1=0, c2=0):
    return STAT.format(all=c0 + c1 + c2, c0=c0, s0=s0, i0=i0, st0=st0, c1=c1, i1=i1, c2=c2)


@pytest.mark.parametrize("text, cpus", [
    ("max 100000\n", None),
    ("150000 100000\n", 1.5),
    ("200000 50000", 4.0),
    ("50000", 0.5),  # the period defaults to 100 ms
    ("", None),
])
def test_cgroup_v2_cpu_max(text, cpus):
    assert cpu_budget.parse_cpu_max(text) == cpus


@pytest.mark.parametrize("quota, period, cpus", [
    ("-1\n", "100000\n", None),
    ("250000\n", "100000\n", 2.5),
    ("100000", "100000", 1.0),
])
def test_cgroup_v1_cfs_quota(quota, period, cpus):
    assert cpu_budget.parse_cfs_quota(quota, period) == cpus


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_a_v2_quota_on_a_parent_binds_the_child(tmp_path):
    root = tmp_path / "cgroup"
    write(root / "cpu.max", "max 100000\n")
    write(root / "box" / "cpu.max", "150000 100000\n")  # the container's
    write(root / "box" / "job" / "cpu.max", "max 100000\n")
    write(tmp_path / "self", "0::/box/job\n")
    dirs = cpu_budget.cgroup_dirs(str(tmp_path / "self"), str(root))
    assert dirs[0] == (2, str(root / "box" / "job"))
    assert cpu_budget.quota_cpus(dirs) == 1.5


def test_v1_quota_and_usage_on_split_hierarchies(tmp_path):
    root = tmp_path / "cgroup"
    write(root / "cpu" / "docker" / "cpu.cfs_quota_us", "300000\n")
    write(root / "cpu" / "docker" / "cpu.cfs_period_us", "100000\n")
    write(root / "cpuacct" / "docker" / "cpuacct.usage", "2500000000\n")
    write(tmp_path / "self", "4:memory:/docker\n3:cpu:/docker\n2:cpuacct:/docker\n1:name=systemd:/\n")
    dirs = cpu_budget.cgroup_dirs(str(tmp_path / "self"), str(root))
    assert cpu_budget.quota_cpus(dirs) == 3.0
    assert cpu_budget.cgroup_usage_seconds(dirs) == 2.5


def test_no_cgroup_files_means_no_quota(tmp_path):
    assert cpu_budget.cgroup_dirs(str(tmp_path / "missing"), str(tmp_path)) == []
    assert cpu_budget.quota_cpus([]) is None
    assert cpu_budget.cgroup_usage_seconds([]) is None


def test_busy_time_counts_only_our_cpus_and_steal_but_not_idle_or_iowait():
    text = stat_text(c0=300, s0=100, i0=1000, st0=50, c1=700, i1=10, c2=5000)
    # cpu0: 300 user + 100 system + 50 steal; cpu1: 700; cpu2 is outside the mask
    assert cpu_budget.busy_seconds(text, [0, 1]) == pytest.approx(11.5)
    assert cpu_budget.busy_seconds(text, [2]) == pytest.approx(50.0)


@pytest.mark.parametrize("budget, free, threads", [
    (2, 2.0, 2), (2, 1.6, 2), (2, 1.4, 1), (2, 1.0, 1), (2, 0.2, 1), (2, -0.5, 1),
    (8, 5.7, 6), (1, 2.0, 1),
])
def test_one_thread_per_cpu_that_is_more_than_half_free(budget, free, threads):
    assert cpu_budget.threads_that_can_run(budget, free) == threads


class FakeMachine:
    """A /proc/stat, a cgroup tree and the clocks, all moved by hand."""

    def __init__(self, tmp_path, quota=None):
        self.stat = tmp_path / "stat"
        self.root = tmp_path / "cgroup"
        self.self_cgroup = tmp_path / "self"
        write(self.self_cgroup, "0::/box\n")
        write(self.root / "box" / "cpu.max", "max 100000\n" if quota is None else f"{quota} 100000\n")
        self.now, self.own, self.ticks, self.usage_us = 100.0, 0.0, 0, 0
        self.publish()

    def publish(self):
        write(self.stat, stat_text(c0=self.ticks))
        write(self.root / "box" / "cpu.stat", f"usage_usec {self.usage_us}\nuser_usec 0\n")

    def run(self, seconds, own_cpu, others_cpu, cgroup_others_cpu=0.0):
        """`seconds` pass; this process uses `own_cpu` CPUs, other processes `others_cpu` (of
        which `cgroup_others_cpu` in our cgroup)."""
        self.now += seconds
        self.own += own_cpu * seconds
        self.ticks += round((own_cpu + others_cpu) * seconds * 100)
        self.usage_us += round((own_cpu + cgroup_others_cpu) * seconds * 1e6)
        self.publish()

    def budget(self):
        return cpu_budget.CpuBudget(str(self.stat), str(self.self_cgroup), str(self.root),
                                    clock=lambda: self.now, own_seconds=lambda: self.own)


def test_another_process_keeping_a_cpu_busy_leaves_one_free(tmp_path, monkeypatch):
    monkeypatch.setattr(cpu_budget, "affinity_cpus", lambda: [0, 1])
    machine = FakeMachine(tmp_path)
    budget = machine.budget()
    machine.run(2.0, own_cpu=1.0, others_cpu=1.0)
    assert budget.free() == pytest.approx(1.0)
    assert cpu_budget.threads_that_can_run(2, budget.free()) == 1
    # A quiet machine: our own time is not counted against us.
    machine.run(2.0, own_cpu=2.0, others_cpu=0.0)
    assert budget.free() == pytest.approx(2.0)


def test_the_load_is_read_at_most_once_a_second(tmp_path, monkeypatch):
    monkeypatch.setattr(cpu_budget, "affinity_cpus", lambda: [0, 1])
    machine = FakeMachine(tmp_path)
    budget = machine.budget()
    machine.run(1.5, own_cpu=0.0, others_cpu=2.0)
    assert budget.free() == pytest.approx(0.0)
    machine.run(0.5, own_cpu=0.0, others_cpu=0.0)
    assert budget.free() == pytest.approx(0.0)  # within a second of the last reading: kept
    machine.run(0.6, own_cpu=0.0, others_cpu=0.0)
    assert budget.free() == pytest.approx(2.0)  # read again: the 1.1 s since were quiet


def test_a_quota_caps_the_cpus_and_siblings_in_the_cgroup_count(tmp_path, monkeypatch):
    monkeypatch.setattr(cpu_budget, "affinity_cpus", lambda: [0, 1, 2, 3])
    machine = FakeMachine(tmp_path, quota=150000)
    budget = machine.budget()
    assert budget.quota == 1.5
    machine.run(2.0, own_cpu=1.0, others_cpu=0.5)
    assert budget.free() == pytest.approx(1.5)  # the quota binds, not the 3.5 free CPUs
    machine.run(2.0, own_cpu=0.5, others_cpu=1.0, cgroup_others_cpu=1.0)
    assert budget.free() == pytest.approx(0.5)  # a sibling in the container uses one CPU of 1.5


def test_without_proc_stat_every_cpu_counts_as_free(tmp_path, monkeypatch):
    monkeypatch.setattr(cpu_budget, "affinity_cpus", lambda: [0, 1, 2])
    budget = cpu_budget.CpuBudget(str(tmp_path / "none"), str(tmp_path / "none"), str(tmp_path))
    assert budget.free() == 3


def test_blas_threads_follow_the_free_cpus_and_the_quota(monkeypatch):
    monkeypatch.setattr(backend, "_blas_budget", None)
    monkeypatch.setattr(backend, "_blas_threads", None)
    monkeypatch.setattr(backend, "get_blas_threads", lambda: 8)
    fake = type("Cpus", (), {"cpus": [0, 1, 2, 3], "quota": 2.5, "free": lambda self: 2.0})()
    monkeypatch.setattr(backend, "_cpus", fake)
    assert backend._thread_budget() == 2  # 2.5 CPUs of quota: two threads can run
    assert backend.blas_threads_for(128, 512) == 2
    assert backend.blas_threads_for(32, 64) == 1  # too small to share
    fake.free = lambda: 1.2
    assert backend.blas_threads_for(128, 512) == 1


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no affinity masks here")
def test_a_process_pinned_to_one_cpu_trains_on_one_thread():
    code = ("import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
            "from minikeras import backend\n"
            "print(len(backend._cpus.cpus), backend._thread_budget(), backend.blas_threads_for(4096, 4096))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["1", "1", "1"]
