"""The format presets hold the steps their format needs (README: « Your first session »)."""

from __future__ import annotations

import pytest

from workshop.phases import PRESETS, Format, PhaseKind


def kinds(fmt: Format) -> list[PhaseKind]:
    return [kind for kind, _minutes in PRESETS[fmt]]


def test_the_challenges_evening_groups_ideas_into_its_challenges_before_the_vote() -> None:
    assert kinds(Format.CHALLENGES_EVENING) == [
        PhaseKind.WELCOME,
        PhaseKind.IDEAS,
        PhaseKind.GROUPING,
        PhaseKind.VOTE,
        PhaseKind.QUALIFICATION,
        PhaseKind.RESULTS,
    ]


def test_the_marathon_runs_every_kind_of_step_in_the_usual_order() -> None:
    assert kinds(Format.MARATHON) == list(PhaseKind)


@pytest.mark.parametrize("fmt", list(Format))
def test_every_preset_welcomes_collects_ideas_and_ends_on_the_results(fmt: Format) -> None:
    steps = kinds(fmt)
    assert steps[0] == PhaseKind.WELCOME and steps[-1] == PhaseKind.RESULTS
    assert PhaseKind.IDEAS in steps
    assert all(minutes > 0 for _kind, minutes in PRESETS[fmt])


@pytest.mark.parametrize("fmt", list(Format))
def test_ideas_come_before_grouping_and_grouping_before_a_vote(fmt: Format) -> None:
    steps = kinds(fmt)
    if PhaseKind.GROUPING in steps:
        assert steps.index(PhaseKind.IDEAS) < steps.index(PhaseKind.GROUPING)
    if PhaseKind.VOTE in steps:
        assert PhaseKind.GROUPING in steps, "ideas are grouped into défis before a vote"
        assert steps.index(PhaseKind.GROUPING) < steps.index(PhaseKind.VOTE)
