"""What every scenario shares: errors, statistics, resource sampling, the machine, the
results file and the printed table."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil


class BenchError(RuntimeError):
    """The run itself broke (not a missed goal): the harness exits non-zero."""


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0-100) by linear interpolation; ``None`` when empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def ratio(value: float | None, reference: float | None, digits: int = 3) -> float | None:
    """``value / reference`` rounded, or None when either is missing (or zero)."""
    return round(value / reference, digits) if value is not None and reference else None


def machine_info() -> dict[str, Any]:
    """The machine the figures were measured on."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu_model": model,
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "os": _os_name(),
        "platform": platform.platform(),
    }


def _os_name() -> str:
    """The distribution's name (``/etc/os-release``), else the system's."""
    try:
        return str(platform.freedesktop_os_release()["PRETTY_NAME"])
    except (OSError, KeyError):
        return f"{platform.system()} {platform.release()}"


@dataclass
class ResourceSampler:
    """Samples, on a thread every ``interval`` seconds between :meth:`start` and
    :meth:`stop`: a server process's CPU% and RSS, the total CPU% of the client processes
    (the harness included), and the whole machine's, so that what other processes used
    during the run can be told (the figures are only comparable on a quiet machine).

    CPU% is of one core (a process using two cores fully shows 200)."""

    server_pid: int
    client_pids: Sequence[int] = ()
    interval: float = 0.25
    cpu: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)
    client_cpu: list[float] = field(default_factory=list)
    machine_cpu: list[float] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> ResourceSampler:
        self._server = psutil.Process(self.server_pid)
        self._clients = [psutil.Process(pid) for pid in {os.getpid(), *self.client_pids}]
        for process in [self._server, *self._clients]:
            process.cpu_percent(None)  # the first call only sets the reference point
        psutil.cpu_percent(None)
        self._server_times = self._cpu_seconds()
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)
        self._thread.start()
        return self

    def _cpu_seconds(self) -> float:
        times = self._server.cpu_times()
        return float(times.user + times.system)

    def _run(self) -> None:
        cores = os.cpu_count() or 1
        while not self._stop.wait(self.interval):
            try:
                self.cpu.append(self._server.cpu_percent(None))
                self.rss.append(self._server.memory_info().rss)
            except psutil.Error:
                return
            total = 0.0
            for process in self._clients:
                try:
                    total += process.cpu_percent(None)
                except psutil.Error:
                    pass
            self.client_cpu.append(total)
            self.machine_cpu.append(psutil.cpu_percent(None) * cores)

    def stop(self) -> dict[str, float | None]:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            cpu_seconds: float | None = self._cpu_seconds() - self._server_times
        except psutil.Error:
            cpu_seconds = None

        def mean(values: list[float]) -> float | None:
            return rounded(sum(values) / len(values)) if values else None

        others = [
            max(0.0, machine - server - clients)
            for machine, server, clients in zip(
                self.machine_cpu, self.cpu, self.client_cpu, strict=False
            )
        ]
        return {
            "seconds": rounded(time.monotonic() - self._started, 2),
            "cpu_seconds": rounded(cpu_seconds, 2),
            "cpu_pct_mean": mean(self.cpu),
            "cpu_pct_max": rounded(max(self.cpu)) if self.cpu else None,
            "rss_mb_max": rounded(max(self.rss) / 2**20) if self.rss else None,
            "clients_cpu_pct_mean": mean(self.client_cpu),
            "other_processes_cpu_pct_mean": mean(others),
        }


def machine_load() -> dict[str, Any]:
    """How busy the machine is before a run: load averages and the busiest processes
    that are not ours (a benchmark shares the machine with whatever else runs)."""
    mine = {os.getpid(), *(child.pid for child in psutil.Process().children(recursive=True))}
    for process in psutil.process_iter():
        try:
            process.cpu_percent(None)
        except psutil.Error:
            pass
    time.sleep(1.0)
    busy = []
    for process in psutil.process_iter(["pid", "name", "cmdline"]):
        if process.pid in mine:
            continue
        try:
            pct = process.cpu_percent(None)
        except psutil.Error:
            continue
        if pct >= 10:
            command = " ".join(process.info["cmdline"] or [process.info["name"] or "?"])
            busy.append({"pid": process.pid, "cpu_pct": round(pct), "command": command[:80]})
    return {
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "busy_processes": sorted(busy, key=lambda p: -p["cpu_pct"])[:5],
    }


@dataclass
class Row:
    """One line of a scenario's table: a figure for Semis, for the baseline, and a goal."""

    label: str
    app: Any = None
    bare: Any = None
    goal: str = ""
    met: bool | None = None


@dataclass
class ScenarioResult:
    """What a scenario hands back: its figures (for the JSON), its table, notes for the
    reader, and the reasons the run itself broke (any of them: exit status 1).

    The figures go under the scenario's name in ``bench-results.json``, or, with
    ``top_level``, each of their keys at the top level (a scenario measuring several
    things the results file names on their own)."""

    figures: dict[str, Any]
    rows: list[Row]
    notes: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)
    top_level: bool = False
    title: str | None = None  # of the table; default: the scenario's name and --phones


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        if abs(value) < 1:
            return f"{value:.3g}"
        return f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def render_table(
    title: str,
    rows: Iterable[Row],
    header: tuple[str, str, str, str, str] = ("", "Semis", "bare python-socketio", "goal", "met"),
) -> str:
    lines = [
        (row.label, _cell(row.app), _cell(row.bare), row.goal, _cell(row.met) if row.goal else "")
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]

    def fmt(cells: Sequence[str]) -> str:
        first = f"{cells[0]:<{widths[0]}}"
        rest = [f"{cells[i]:>{widths[i]}}" for i in (1, 2)]
        tail = [f"{cells[3]:<{widths[3]}}", f"{cells[4]:<{widths[4]}}"]
        return "  ".join([first, *rest, *tail]).rstrip()

    rule = "-" * len(fmt(header))
    return "\n".join([title, rule, fmt(header), rule, *(fmt(line) for line in lines), rule])


def write_results(path: Path, scenarios: dict[str, Any]) -> dict[str, Any]:
    """Write the machine and the scenarios run now into ``path``, keeping the figures of
    other scenarios an earlier run left there."""
    results: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text())
            if isinstance(loaded, dict):
                results = loaded
        except (OSError, ValueError):
            results = {}
    results["machine"] = machine_info()
    results["generated_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    results["command"] = " ".join([Path(sys.executable).name, "-m", "bench", *sys.argv[1:]])
    results.update(scenarios)
    first = ("machine", "phones", "machine_load_before", "generated_at", "command")
    ordered = {k: results[k] for k in first if k in results}
    ordered.update({k: v for k, v in results.items() if k not in ordered})
    path.write_text(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n")
    return ordered


def log(message: str) -> None:
    """Progress on standard error, with the time since the harness started."""
    print(f"[bench {time.monotonic() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


_STARTED = time.monotonic()
