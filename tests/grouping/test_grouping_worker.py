"""The worker process gives the same groups as the engine in this process."""

from __future__ import annotations

import pytest

from workshop.grouping import GroupingError, suggest_groups, suggest_groups_in_worker, worker

IDEAS = [
    "Plus de pistes cyclables",
    "Des vélos en libre-service",
    "Un jardin partagé",
    "Planter des arbres",
    "Une épicerie solidaire",
    "Un repas partagé pour les aînés",
]


def test_worker_returns_what_the_engine_returns() -> None:
    assert suggest_groups_in_worker(IDEAS, 3, "fr", timeout=60) == suggest_groups(IDEAS, 3, "fr")


def test_worker_checks_arguments_before_starting() -> None:
    with pytest.raises(ValueError):
        suggest_groups_in_worker(IDEAS, 0, "fr")
    with pytest.raises(ValueError):
        suggest_groups_in_worker(IDEAS, 2, "xx")


def test_worker_timeout_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(GroupingError, match="longer than"):
        suggest_groups_in_worker(IDEAS, 2, "fr", timeout=0.001)


def test_worker_failure_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker.sys, "executable", "/nonexistent/python")
    with pytest.raises(GroupingError, match="could not start"):
        suggest_groups_in_worker(IDEAS, 2, "fr")
