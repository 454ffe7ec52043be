"""Every goal the benchmark checks, in one place: which figure of ``bench-results.json``,
its value in this run, the goal, and whether it is met.

The scenarios measure; this module only reads their figures, so the verdicts are the
same in the printed summary and in the ``goals`` list of the results file. A goal whose
scenario did not run (or broke) has ``value`` ``None`` and ``met`` ``None``: not
measured, neither met nor missed.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .harness import Row


@dataclass(frozen=True)
class Goal:
    """``figure`` (a dotted path in the results) compared with ``limit`` by ``op``."""

    figure: str
    label: str
    op: str  # "<=", "==", "<"
    limit: float
    unit: str = ""
    source: str = ""  # the issue that set it

    def check(self, results: dict[str, Any]) -> dict[str, Any]:
        value = lookup(results, self.figure)
        measured = isinstance(value, int | float) and not isinstance(value, bool)
        checked = {
            "figure": self.figure,
            "label": self.label,
            "value": value if measured else None,
            "goal": f"{self.op} {self.limit:g}{(' ' + self.unit) if self.unit else ''}",
            "met": bool(OPS[self.op](value, self.limit)) if measured else None,
            "source": self.source,
        }
        if not measured and value is not None:  # the scenario broke: say why, briefly
            error = value.get("error") if isinstance(value, dict) else value
            checked["error"] = str(error).strip().splitlines()[-1][:200] if error else None
        return checked


OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
}

# In the order the summary prints them.
GOALS: tuple[Goal, ...] = (
    Goal("fanout.app_p95_ms", "fan-out p95 to every phone", "<=", 52, "ms", "#17 (Node peer)"),
    Goal("fanout.ratio_p95", "fan-out p95, Semis / bare", "<=", 1.2, "", "#17"),
    Goal("fanout.ratio_cpu_per_idea", "server CPU per idea, Semis / bare", "<=", 1.2, "", "#17"),
    Goal("vote_storm.server_rss_mb", "server RSS max, vote storm", "<=", 200, "MB", "#17"),
    Goal("seating.total_s", "seating: join form + connect and join", "<=", 5, "s", "#17"),
    Goal("seating.errors", "seating: phones that failed", "==", 0, "", "#17"),
    Goal("vote_storm.ack_p95_ms", "vote storm ack p95", "<=", 50, "ms", "voting"),
    Goal(
        "vote_storm.consistent_after_last_vote_ms",
        "every phone consistent after the last vote",
        "<=",
        1000,
        "ms",
        "voting",
    ),
    Goal("rss_per_phone_kb", "server RSS per connected phone", "<=", 100, "KB", "benchmarks"),
    Goal("reconnect.all_resynced_s", "reconnect after a restart", "<=", 10, "s", "benchmarks"),
    Goal("reconnect.failures", "reconnect failures", "==", 0, "", "benchmarks"),
    Goal(
        "scale_out.ratio_to_single_worker",
        "scale-out p95 / one worker's",
        "<=",
        1.5,
        "",
        "benchmarks",
    ),
    Goal("export.json_s", "export JSON", "<=", 1, "s", "#6"),
    Goal("export.csv_s", "export CSV", "<=", 1, "s", "#6"),
    Goal("export.xlsx_s", "export XLSX", "<=", 1, "s", "#6"),
    Goal("export.import_s", "import", "<=", 2, "s", "#6"),
    Goal(
        "tables.seating.total_s", "tables: every phone seated by its QR code", "<=", 5, "s", "#13"
    ),
    Goal("tables.seating.errors", "tables: phones not seated", "==", 0, "", "#13"),
    Goal(
        "tables.bytes.total_kb",
        "tables: bytes to one phone joining (pages, assets, snapshot)",
        "<=",
        150,
        "KB",
        "#13",
    ),
    Goal(
        "tables.contribution.p95_ms",
        "tables: a contribution to its table's phones, p95",
        "<=",
        50,
        "ms",
        "#13",
    ),
    Goal("tables.contribution.leaks", "tables: phones of other tables reached", "==", 0, "", "#13"),
    Goal("tables.rollup.max_s", "tables: screen roll-up after a contribution", "<=", 1, "s", "#13"),
    Goal(
        "portfolio.import_s",
        "portfolio: a 1,000-idea session into five (no bare framework: n/a)",
        "<=",
        2,
        "s",
        "#15",
    ),
)


def lookup(results: dict[str, Any], figure: str) -> Any:
    """The value at the dotted path ``figure`` (``None`` when any part is missing)."""
    value: Any = results
    for part in figure.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def check_all(results: dict[str, Any], goals: tuple[Goal, ...] = GOALS) -> list[dict[str, Any]]:
    return [goal.check(results) for goal in goals]


def rows(checked: list[dict[str, Any]]) -> list[Row]:
    """The summary table: one row per goal (the bare column says where it comes from)."""
    return [
        Row(
            f"{c['label']} ({c['figure']})",
            c["value"] if c.get("error") is None else "broke",
            c["source"],
            c["goal"],
            c["met"],
        )
        for c in checked
    ]


def verdict(checked: list[dict[str, Any]]) -> str:
    met = [c for c in checked if c["met"] is True]
    missed = [c for c in checked if c["met"] is False]
    line = f"goals met: {len(met)} of {len(met) + len(missed)} measured"
    if missed:
        line += "; NOT met: " + ", ".join(c["figure"] for c in missed)
    return line
