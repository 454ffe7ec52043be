"""The format presets hold the steps their format needs (README: « Your first session »)."""

from __future__ import annotations

import pytest

from workshop.phases import PRESETS, Format, PhaseKind


def kinds(fmt: Format) -> list[PhaseKind]:
    return [kind for kind, _minutes in PRESETS[fmt]]


def test_the_challenges_evening_works_in_tables_then_restitutes_votes_and_seeks_holders() -> None:
    """Issue #13: the défis come from ideas collected beforehand; the evening is the tables."""
    assert PRESETS[Format.CHALLENGES_EVENING] == [
        (PhaseKind.WELCOME, 10),
        (PhaseKind.TABLES, 60),
        (PhaseKind.RESTITUTION, 40),
        (PhaseKind.VOTE, 15),
        (PhaseKind.RESULTS, 15),
    ]


TABLE_KINDS = {PhaseKind.TABLES, PhaseKind.RESTITUTION}


def test_the_marathon_runs_every_kind_of_step_but_the_tables_in_the_usual_order() -> None:
    # A pitch step belongs to a cycle's sessions (issue #14), not to a one-off marathon.
    assert kinds(Format.MARATHON) == [
        k for k in PhaseKind if k not in TABLE_KINDS and k != PhaseKind.PITCH
    ]


@pytest.mark.parametrize("fmt", list(Format))
def test_every_preset_welcomes_collects_ideas_and_ends_on_the_results(fmt: Format) -> None:
    steps = kinds(fmt)
    assert steps[0] == PhaseKind.WELCOME and steps[-1] == PhaseKind.RESULTS
    # The evening's ideas were collected (and grouped into défis) before it.
    assert (PhaseKind.IDEAS in steps) != (PhaseKind.TABLES in steps)
    assert all(minutes > 0 for _kind, minutes in PRESETS[fmt])


@pytest.mark.parametrize("fmt", list(Format))
def test_ideas_come_before_grouping_and_grouping_before_a_vote(fmt: Format) -> None:
    steps = kinds(fmt)
    if PhaseKind.GROUPING in steps:
        assert steps.index(PhaseKind.IDEAS) < steps.index(PhaseKind.GROUPING)
    if PhaseKind.VOTE in steps and PhaseKind.TABLES not in steps:
        assert PhaseKind.GROUPING in steps, "ideas are grouped into défis before a vote"
        assert steps.index(PhaseKind.GROUPING) < steps.index(PhaseKind.VOTE)
    if PhaseKind.TABLES in steps:  # the tables enrich the défis before they are voted on
        assert steps.index(PhaseKind.TABLES) < steps.index(PhaseKind.RESTITUTION)
        assert steps.index(PhaseKind.RESTITUTION) < steps.index(PhaseKind.VOTE)
