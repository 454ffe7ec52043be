"""``make bench-grouping``'s close-idea hint figures (bench/grouping.py), on small files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench import grouping


def write(path: Path, texts: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["source", "text", "category"])
        writer.writeheader()
        writer.writerows({"source": "s", "text": t, "category": "c"} for t in texts)


# 30 rows: the queries are the 5 ideas after the first 20. 12 rows: a file too short for
# that, whose queries are its own first ideas.
@pytest.mark.parametrize("rows", [30, 12])
def test_hint_figures_for_each_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    monkeypatch.setattr(grouping, "TIMING_IDEAS", 20)
    monkeypatch.setattr(grouping, "HINT_QUERIES", 5)
    for name, (file, _lang) in grouping.DATASETS.items():
        write(tmp_path / file, [f"{name} : des jardins partagés rue {i}" for i in range(rows)])
    result, table_rows = grouping.hints(tmp_path, repeat=2)
    for name in grouping.DATASETS:
        figures = result[name]
        assert figures["ideas"] == min(rows, 20) and figures["queries"] == 5
        assert all(figures[key] >= 0 for key in ("build_ms", "query_ms", "append_ms"))
    assert result["query_ms_worst"] == max(result[n]["query_ms"] for n in grouping.DATASETS)
    assert [row[0] for row in table_rows] == list(grouping.DATASETS)
