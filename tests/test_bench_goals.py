"""bench.goals: each goal's verdict on a run's figures (met, missed, not measured, broke),
as the printed summary and bench-results.json state them."""

from __future__ import annotations

import pytest

pytest.importorskip("psutil", reason="the benchmark's extra (make bench) is not installed")

from bench import goals  # noqa: E402


def _by_figure(results: dict[str, object]) -> dict[str, dict[str, object]]:
    return {checked["figure"]: checked for checked in goals.check_all(results)}


def test_each_goal_says_its_value_and_whether_it_is_met() -> None:
    checked = _by_figure(
        {
            "fanout": {"app_p95_ms": 40.0, "ratio_p95": 1.3, "ratio_cpu_per_idea": 1.2},
            "seating": {"total_s": 4.9, "errors": 0},
            "vote_storm": {"server_rss_mb": 201.0},
        }
    )
    assert checked["fanout.app_p95_ms"]["value"] == 40.0
    assert checked["fanout.app_p95_ms"]["goal"] == "<= 52 ms"
    assert checked["fanout.app_p95_ms"]["met"] is True
    assert checked["fanout.ratio_p95"]["met"] is False
    assert checked["fanout.ratio_cpu_per_idea"]["met"] is True  # the limit itself is met
    assert checked["seating.total_s"]["met"] is True
    assert checked["seating.errors"]["met"] is True
    assert checked["vote_storm.server_rss_mb"]["met"] is False
    assert checked["vote_storm.server_rss_mb"]["goal"] == "<= 200 MB"


def test_a_scenario_not_run_is_not_measured_and_a_broken_one_says_why() -> None:
    checked = _by_figure(
        {"fanout": {"phones": 10, "error": "flask db upgrade failed (1):\nMultiple heads"}}
    )
    assert checked["vote_storm.ack_p95_ms"]["value"] is None
    assert checked["vote_storm.ack_p95_ms"]["met"] is None
    assert "error" not in checked["vote_storm.ack_p95_ms"]
    # fanout.app_p95_ms reads into the error object: not a figure, not a verdict
    assert checked["fanout.app_p95_ms"]["met"] is None
    broken = _by_figure({"rss_per_phone_kb": {"phones": 10, "error": "boom\nMultiple heads"}})
    assert broken["rss_per_phone_kb"]["met"] is None
    assert broken["rss_per_phone_kb"]["error"] == "Multiple heads"


def test_the_verdict_names_every_missed_goal() -> None:
    checked = goals.check_all({"fanout": {"app_p95_ms": 80.0, "ratio_p95": 1.0}})
    line = goals.verdict(checked)
    assert line.startswith("goals met: 1 of 2 measured")
    assert "fanout.app_p95_ms" in line and "fanout.ratio_p95" not in line.split("NOT met")[1]
    rows = goals.rows(checked)
    assert rows[0].met is False and rows[0].app == 80.0
