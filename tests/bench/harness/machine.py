"""How much CPU the rest of the machine took during a run: whether its figures were measured alone.

The load average counts the run itself (LocalStack, the function's processes, the harness): on 2 CPUs a run
alone reaches a load of 2-4, so it cannot tell a shared machine from a busy run. This takes the machine's
busy CPU time from /proc/stat and subtracts the run's own: LocalStack's process tree (in host mode the Lambda
runtimes and their workers are its descendants; exited ones are counted in their parent's `cutime`/`cstime`
once reaped) and the harness's. What is left is everyone else's, the hypervisor's steal time included (CPU
given to other guests of the host, reported apart as well). Linux only; elsewhere it reports nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable  # noqa: TC003 - a dataclass field's type, resolved at runtime
from dataclasses import dataclass, field
from pathlib import Path

from consumer.local.deploy import ROOT

PROC = Path("/proc")
PID_FILE = ROOT / ".localstack" / "localstack.pid"


def _ticks() -> int:
    try:
        return int(os.sysconf("SC_CLK_TCK"))
    except (AttributeError, ValueError, OSError):
        return 100


def _cpu_times(proc: Path) -> list[int] | None:
    """The first line of /proc/stat: user, nice, system, idle, iowait, irq, softirq, steal (in ticks)."""
    try:
        fields = (proc / "stat").read_text().splitlines()[0].split()[1:]
        values = [int(value) for value in fields[:8]]
    except (OSError, IndexError, ValueError):
        return None
    return values + [0] * (8 - len(values))


def machine_busy(proc: Path = PROC) -> float | None:
    """Seconds of non-idle CPU (all CPUs together) since boot; None without /proc."""
    times = _cpu_times(proc)
    if times is None:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = times
    return (user + nice + system + irq + softirq + steal) / _ticks()


def machine_steal(proc: Path = PROC) -> float | None:
    """Seconds of CPU (all CPUs together) the hypervisor gave other guests since boot: part of `machine_busy`,
    and nobody's on this machine, so a run that shared its CPUs that way is told apart."""
    times = _cpu_times(proc)
    return times[7] / _ticks() if times is not None else None


def _processes(proc: Path) -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds of the process and its reaped children)."""
    found: dict[int, tuple[int, float]] = {}
    ticks = _ticks()
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        rest = text[text.rfind(")") + 2 :].split()  # the command name may hold spaces and parentheses
        try:
            found[int(entry.name)] = (int(rest[1]), sum(int(v) for v in rest[11:15]) / ticks)
        except (IndexError, ValueError):
            continue
    return found


def tree_cpu(roots: list[int], proc: Path = PROC) -> float:
    """CPU seconds of the processes `roots` and all their descendants."""
    processes = _processes(proc)
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    total, seen, todo = 0.0, set(), [pid for pid in roots if pid in processes]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += processes[pid][1]
        todo.extend(children.get(pid, []))
    return total


def localstack_pid(path: Path = PID_FILE) -> int | None:
    """The host-mode LocalStack's pid, from the file `make localstack-up` writes."""
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class CpuShare:
    """CPU used between `start()` and `stop()`, in CPUs on average: the machine's, the run's, the others'."""

    roots: list[int]
    """The run's processes (with their descendants); none means the share cannot be told (stop gives None)."""
    proc: Path = PROC
    clock: Callable[[], float] = field(default=time.monotonic)
    _started: float = 0.0
    _busy: float | None = None
    _steal: float | None = None
    _run: float = 0.0

    @classmethod
    def for_run(cls) -> CpuShare:
        """The run's processes: LocalStack's tree and this one (nothing known without LocalStack's pid)."""
        pid = localstack_pid()
        return cls([pid, os.getpid()] if pid is not None else [])

    def start(self) -> None:
        self._started, self._busy = self.clock(), machine_busy(self.proc)
        self._steal = machine_steal(self.proc)
        self._run = tree_cpu(self.roots, self.proc)

    def stop(self) -> dict[str, float] | None:
        busy, elapsed = machine_busy(self.proc), self.clock() - self._started
        if not self.roots or busy is None or self._busy is None or elapsed <= 0:
            return None
        machine = (busy - self._busy) / elapsed
        run = (tree_cpu(self.roots, self.proc) - self._run) / elapsed
        steal = machine_steal(self.proc)
        stolen = (steal - self._steal) / elapsed if steal is not None and self._steal is not None else 0.0
        return {
            "seconds": round(elapsed, 1),
            "machine_cpus": round(machine, 2),
            "run_cpus": round(run, 2),
            "other_cpus": round(max(0.0, machine - run), 2),
            "stolen_cpus": round(stolen, 2),
        }
