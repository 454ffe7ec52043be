"""``python -m bench [--phones N] [--scenario NAME ...]``: run the benchmarks, print their
tables, write ``bench-results.json``. ``make bench PHONES=200`` calls it.

Exit status: 0 when every scenario ran (whether or not its goals were met), 1 when a run
broke (a server did not start, phones could not connect, acks were missing or refused),
130 on Ctrl-C. Servers and client processes are stopped in every case.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from . import export, fanout, goals, portfolio, scale_out, tables, vote_storm
from .harness import (
    BenchError,
    ScenarioResult,
    log,
    machine_info,
    machine_load,
    render_table,
    write_results,
)
from .servers import ROOT

Run = Callable[[argparse.Namespace], ScenarioResult]
AddArguments = Callable[[argparse.ArgumentParser], None]
# name -> (run, add its options, the keys of bench-results.json it writes). A new scenario
# is one more module and one more line. They run in this order.
SCENARIOS: dict[str, tuple[Run, AddArguments, tuple[str, ...]]] = {
    "vote_storm": (vote_storm.run, vote_storm.add_arguments, ("vote_storm",)),
    "fanout": (fanout.run, fanout.add_arguments, fanout.KEYS),
    "scale_out": (scale_out.run, scale_out.add_arguments, ("scale_out",)),
    "export": (export.run, export.add_arguments, ("export",)),
    "tables": (tables.run, tables.add_arguments, tables.KEYS),
    "portfolio": (portfolio.run, portfolio.add_arguments, ("portfolio",)),
}
MAX_PHONES = 5000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--phones",
        type=int,
        default=int(os.environ.get("PHONES", "1000")),
        help="simulated phones (default: $PHONES or 1000)",
    )
    parser.add_argument(
        "--scenario",
        action="append",
        choices=sorted(SCENARIOS),
        help="run only this scenario (repeatable; default: all)",
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="client processes (default: one per 250 phones, ≤ 4)"
    )
    parser.add_argument("--seed", type=int, default=2024, help="seed of the random plans")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench-results.json", help="the results file"
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch dirs and logs")
    for _run, add_arguments, _keys in SCENARIOS.values():
        add_arguments(parser)
    args = parser.parse_args(argv)
    if not 1 <= args.phones <= MAX_PHONES:
        parser.error(f"--phones must be between 1 and {MAX_PHONES}")
    return args


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through every finally: servers get stopped


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    machine = machine_info()
    log(
        f"machine: {machine['cpu_model']}, {machine['cores']} cores, "
        f"{machine['memory_gb']} GB, Python {machine['python']}, {machine['os']}"
    )
    load = machine_load()
    if load["busy_processes"]:
        busy = ", ".join(f"{p['command']} ({p['cpu_pct']}%)" for p in load["busy_processes"])
        log(f"warning: the machine is busy, the figures will suffer: {busy}")
    figures: dict[str, object] = {"machine_load_before": load, "phones": args.phones}
    broken: list[str] = []
    selected = set(args.scenario or SCENARIOS)
    args.results = figures  # a scenario may compare itself with one run before it
    for name, (run, _add, keys) in SCENARIOS.items():
        if name not in selected:
            continue
        try:
            result = run(args)
        except KeyboardInterrupt:
            print("\ninterrupted: servers and phones stopped", file=sys.stderr)
            return 130
        except BenchError as error:
            broken.append(f"{name}: {error}")
            figures.update({key: {"phones": args.phones, "error": str(error)} for key in keys})
            continue
        except Exception as error:  # noqa: BLE001 - reported, then the exit status says so
            traceback.print_exc()
            broken.append(f"{name}: {type(error).__name__}: {error}")
            failure = f"{type(error).__name__}: {error}"
            figures.update({key: {"phones": args.phones, "error": failure} for key in keys})
            continue
        if result.top_level:
            figures.update(result.figures)
        else:
            figures[name] = result.figures
        broken += [f"{name}: {reason}" for reason in result.broken]
        print()
        print(render_table(result.title or f"{name} ({args.phones} phones)", result.rows))
        for note in result.notes:
            print(f"note: {note}")
    # The verdicts on this run's figures only (a scenario not run now: not measured).
    checked = goals.check_all(figures)
    figures["goals"] = checked
    write_results(args.out, figures)
    print()
    print(
        render_table(
            f"Goals ({args.phones} phones, this run)",
            goals.rows(checked),
            header=("figure", "value", "set by", "goal", "met"),
        )
    )
    print(goals.verdict(checked))
    print(f"\nresults written to {args.out}")
    if broken:
        print("\nTHE RUN BROKE:", file=sys.stderr)
        for reason in broken:
            print(f"- {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
