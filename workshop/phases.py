"""Phase kinds, what each lets phones do, and the format presets.

A workshop's agenda is an ordered list of phases (``models.Phase``); each has a
*kind* below. The kind decides what participants can do and what the screen
shows. The facilitator may move to any phase of the agenda, forward or back;
what leaving a phase does is one table in :mod:`workshop.services.agenda`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from .models import Phase


class PhaseKind(StrEnum):
    WELCOME = "welcome"
    IDEAS = "ideas"
    GROUPING = "grouping"
    VOTE = "vote"
    QUALIFICATION = "qualification"
    RESULTS = "results"
    TABLES = "tables"  # défi tables at work: contributions, table votes, synthesis
    RESTITUTION = "restitution"  # one table at a time in the spotlight
    PITCH = "pitch"  # a cycle's projects one at a time in the spotlight, with peer feedback


class Format(StrEnum):
    MARATHON = "marathon"
    CHALLENGES_EVENING = "challenges_evening"
    LANCE_TOI = "lance_toi"
    CUSTOM = "custom"


KIND_LABELS = {
    PhaseKind.WELCOME: _l("Welcome"),
    PhaseKind.IDEAS: _l("Ideas"),
    PhaseKind.GROUPING: _l("Grouping into challenges"),
    PhaseKind.VOTE: _l("Vote"),
    PhaseKind.QUALIFICATION: _l("Qualification"),
    PhaseKind.RESULTS: _l("Results"),
    PhaseKind.TABLES: _l("Work in tables"),
    PhaseKind.RESTITUTION: _l("Restitution"),
    PhaseKind.PITCH: _l("Pitch and feedback"),
}

# The default labels of the défi tables' contribution kinds (a kind whose label is ""):
# the phones, the screen, the tables page and the exports all name them so.
CONTRIBUTION_KIND_LABELS = {
    "needs": _l("Needs and publics"),
    "solutions": _l("Solution ideas"),
    "actors": _l("Actors and resources"),
    "obstacles": _l("Obstacles"),
    "holders": _l("Possible holders"),
}

FORMAT_LABELS = {
    Format.MARATHON: _l("Ideas marathon (one day)"),
    Format.CHALLENGES_EVENING: _l("Challenges evening (Start-up de Territoire)"),
    Format.LANCE_TOI: _l("« Lance-toi ! » workshop"),
    Format.CUSTOM: _l("Custom"),
}


@dataclass(frozen=True)
class Capabilities:
    """What a phase lets people do: participants (post, edit, vote, place their own
    idea in a défi, fill a qualification sheet when the workshop lets them, work at
    their défi table) and
    facilitators (group ideas into défis; they may also do so before the workshop
    opens)."""

    post_ideas: bool = False
    edit_ideas: bool = False
    vote: bool = False
    place_own_ideas: bool = False
    group_ideas: bool = False
    qualify: bool = False
    # Défi tables: contribute, vote within the table, write the table's synthesis.
    table_work: bool = False


CAPABILITIES: dict[PhaseKind, Capabilities] = {
    PhaseKind.WELCOME: Capabilities(),
    PhaseKind.IDEAS: Capabilities(post_ideas=True, edit_ideas=True, place_own_ideas=True),
    PhaseKind.GROUPING: Capabilities(place_own_ideas=True, group_ideas=True),
    PhaseKind.VOTE: Capabilities(vote=True),
    PhaseKind.QUALIFICATION: Capabilities(qualify=True),
    PhaseKind.RESULTS: Capabilities(),
    PhaseKind.TABLES: Capabilities(table_work=True),
    # Restitution: the hosts may still finish their synthesis (services/tables.py).
    PhaseKind.RESTITUTION: Capabilities(),
    # Pitch: the others give feedback cards on the project in the spotlight, which
    # services/pitch.py allows in this kind of step only.
    PhaseKind.PITCH: Capabilities(),
}


def capabilities(phase: Phase | None) -> Capabilities:
    """Capabilities of ``phase``; no phase (a draft workshop) allows nothing."""
    if phase is None:
        return Capabilities()
    return CAPABILITIES[PhaseKind(phase.kind)]


# Settings of a vote phase, and their defaults (facilitators change them per vote).
VOTE_DEFAULTS: dict[str, Any] = {
    "votes_per_participant": 5,
    "max_per_item": 1,
    "target": "ideas",
    "allow_own": True,
    "hidden": True,
    # "dots" (the default) or "majority": each participant grades every option on the
    # scale of workshop.majority (services/votes/grades.py).
    "method": "dots",
}

#: How a vote step votes: dots, or majority judgment (grades).
VOTE_METHODS: tuple[str, ...] = ("dots", "majority")


def vote_settings(phase: Phase) -> dict[str, Any]:
    """The vote settings of ``phase``: its own values over the defaults."""
    return settings_of(phase.settings)


def settings_of(settings: dict[str, Any] | None) -> dict[str, Any]:
    """Vote settings from a phase's raw ``settings`` column, over the defaults."""
    return VOTE_DEFAULTS | {k: v for k, v in (settings or {}).items() if k in VOTE_DEFAULTS}


# Agenda presets: (kind, duration in minutes). Titles default to the kind's label.
PRESETS: dict[Format, list[tuple[PhaseKind, int]]] = {
    # A one-day marathon: long ideation, grouping, vote, then qualification of the best.
    Format.MARATHON: [
        (PhaseKind.WELCOME, 20),
        (PhaseKind.IDEAS, 60),
        (PhaseKind.GROUPING, 45),
        (PhaseKind.VOTE, 15),
        (PhaseKind.QUALIFICATION, 90),
        (PhaseKind.RESULTS, 20),
    ],
    # The Start-up de Territoire evening on défis prepared beforehand (issue #13): the
    # défis become tables that enrich them, each table in turn reports in plenary, a dot
    # vote on the défis, then offers to carry them (« je pourrais porter ce défi »).
    Format.CHALLENGES_EVENING: [
        (PhaseKind.WELCOME, 10),
        (PhaseKind.TABLES, 60),
        (PhaseKind.RESTITUTION, 40),
        (PhaseKind.VOTE, 15),
        (PhaseKind.RESULTS, 15),
    ],
    # A short workshop for about ten people at the idea stage.
    Format.LANCE_TOI: [
        (PhaseKind.WELCOME, 10),
        (PhaseKind.IDEAS, 30),
        (PhaseKind.QUALIFICATION, 30),
        (PhaseKind.RESULTS, 10),
    ],
    Format.CUSTOM: [
        (PhaseKind.WELCOME, 5),
        (PhaseKind.IDEAS, 20),
        (PhaseKind.RESULTS, 5),
    ],
}


# Cycle presets (issue #14): the sessions a cycle's preset creates, one week apart
# (services/cycles.py: preset_sessions). A session's agenda is (kind, minutes, step title
# or None for the kind's label); the facilitator changes all of it afterwards.
CYCLE_CODEV_AGENDA: tuple[tuple[PhaseKind, int, Any], ...] = (
    (PhaseKind.WELCOME, 15, None),
    (PhaseKind.PITCH, 150, _l("Co-development time")),
    (PhaseKind.RESULTS, 15, None),
)
CYCLE_WEEKLY_AGENDA: tuple[tuple[PhaseKind, int, Any], ...] = (
    (PhaseKind.WELCOME, 10, None),
    (PhaseKind.PITCH, 90, _l("I face the group")),
    (PhaseKind.RESULTS, 10, None),
)
CYCLE_PITCH_DAY_AGENDA: tuple[tuple[PhaseKind, int, Any], ...] = (
    (PhaseKind.WELCOME, 15, None),
    (PhaseKind.PITCH, 150, _l("Pitches before the jury")),
    (PhaseKind.RESULTS, 20, None),
)
# « Lance-toi ! »: four three-hour workshops, one theme each.
LANCE_TOI_THEMES = (
    _l("Social charter"),
    _l("Economic model"),
    _l("Participatory governance"),
    _l("Impact measurement"),
)
# The Idéateur's weekly themes (repeated when there are more sessions), before its
# last session, the pitch day.
IDEATEUR_THEMES = (
    _l("My idea in a pitch"),
    _l("Need and public"),
    _l("Economic model"),
    _l("Governance"),
    _l("Impact indicators"),
    _l("Partners and resources"),
    _l("My note d'intention"),
)
PITCH_DAY_THEME = _l("Pitch day")
JURY_THEME = _l("Jury session")
