"""Suggested groups are named so that a facilitator can keep most names (issue #13): the
title of one of the group's ideas, never a list of keywords, on real collections (NYC
ballot projects, « Title. Description »; Paris participatory-budget titles)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from workshop.grouping import suggest_groups
from workshop.grouping.engine import LABEL_CHARS
from workshop.headline import headline

DATA = Path(__file__).parent.parent / "data"


def read(path: Path, count: int) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)][:count]


@pytest.mark.parametrize(
    ("path", "count", "lang"),
    [
        (DATA / "ideas" / "nyc_pb_sample.csv", 120, "en"),
        (DATA / "duplicates" / "paris_bp_1000.csv", 150, "fr"),
    ],
)
def test_names_are_titles_of_the_groups_ideas(path: Path, count: int, lang: str) -> None:
    texts = read(path, count)
    groups = suggest_groups(texts, None, lang)
    assert len(groups) >= 3
    names = [group.label for group in groups]
    assert len(set(names)) == len(names)
    for group in groups:
        name = re.sub(r" \(\d+\)$", "", group.label)  # a repeated title is numbered
        titles = {headline(texts[i], LABEL_CHARS) for i in group.members}
        assert name in titles, (name, sorted(titles)[:5])
        assert 0 < len(group.label) <= LABEL_CHARS + 5
    # Titles, not keywords: most names read as several words with their small words.
    worded = [n for n in names if len(n.split()) >= 3]
    assert len(worded) >= len(names) * 0.7, names
