"""Fixtures of the service tests."""

from __future__ import annotations

from typing import Any

import pytest

from workshop import grouping
from workshop.grouping import Group


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Replace the grouping worker: pairs of ideas, in order; records its calls."""
    calls: list[tuple[Any, ...]] = []

    def suggest(texts: list[str], k: int | None, lang: str, timeout: float) -> list[Group]:
        calls.append((texts, k, lang, timeout))
        return [
            Group(f"Group {n}", list(range(start, min(start + 2, len(texts)))))
            for n, start in enumerate(range(0, len(texts), 2))
        ]

    monkeypatch.setattr(grouping, "suggest_groups_in_worker", suggest)
    return calls
