"""``flask ideas suggest-groups FILE.csv``: reads id,text; clear errors, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROWS = [
    ("a1", "Plus de pistes cyclables"),
    ("a2", "Des vélos en libre-service"),
    ("a3", "Un jardin partagé"),
    ("a4", "Planter des arbres"),
    ("a5", "Une épicerie solidaire"),
    ("a6", "Un repas partagé pour les aînés"),
]


def write_csv(
    path: Path, rows: list[tuple[str, str]], delimiter: str = ",", bom: bool = False
) -> Path:
    lines = [f"id{delimiter}text{delimiter}extra"]
    lines += [f'{i}{delimiter}"{t}"{delimiter}x' for i, t in rows]
    path.write_text(("\ufeff" if bom else "") + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_json_output(runner: Any, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ideas.csv", ROWS)
    result = runner.invoke(args=["ideas", "suggest-groups", str(path), "--k", "3", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["id"] for row in rows] == [i for i, _ in ROWS]
    assert all(set(row) == {"id", "group", "label"} for row in rows)
    assert {row["group"] for row in rows} == {1, 2, 3}
    labels = {row["group"]: row["label"] for row in rows}
    assert all(labels.values())
    assert all(row["label"] == labels[row["group"]] for row in rows)


def test_text_output_english_semicolons_and_bom(runner: Any, tmp_path: Path) -> None:
    english = [("e1", "More bike lanes"), ("e2", "Bike sharing"), ("e3", "Community garden")]
    path = write_csv(tmp_path / "ideas.csv", english, delimiter=";", bom=True)
    result = runner.invoke(args=["ideas", "suggest-groups", str(path), "--lang", "en", "--k", "2"])
    assert result.exit_code == 0, result.output
    assert "1. " in result.output and "2. " in result.output
    assert "e1: More bike lanes" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"  \n\n", "is empty"),
        (b"name,description\nx,y\n", "'id' and 'text'"),
        (b"id,text\n", "no ideas"),
        ("id,text\n1,café\n".encode("latin-1"), "not UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
    ],
)
def test_unreadable_files_are_clear_errors(
    runner: Any, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "ideas.csv"
    path.write_bytes(content)
    result = runner.invoke(args=["ideas", "suggest-groups", str(path), "--json"])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    "args",
    [["missing.csv"], ["{path}", "--k", "0"], ["{path}", "--lang", "de"]],
)
def test_bad_arguments(runner: Any, tmp_path: Path, args: list[str]) -> None:
    path = write_csv(tmp_path / "ideas.csv", ROWS)
    args = [arg.format(path=path) for arg in args]
    result = runner.invoke(args=["ideas", "suggest-groups", *args])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
