"""Vote payloads: the vote step's settings, the dots on one item and a majority
judgment's grade of one item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from flask_babel import gettext as _

from ..errors import ValidationError
from ..majority import SCALE
from ..phases import VOTE_METHODS
from .fields import (
    boolean,
    integer,
    require_mapping,
)

VOTES_MAX = 99

#: What a vote is on: ideas or défis.
VoteKind = Literal["ideas", "challenges"]
VOTE_TARGETS: tuple[VoteKind, ...] = ("ideas", "challenges")


@dataclass(frozen=True)
class VoteSettingsChange:
    """Vote settings to change; ``None`` keeps the current value."""

    phase_id: int | None = None
    votes_per_participant: int | None = None
    max_per_item: int | None = None
    target: VoteKind | None = None
    allow_own: bool | None = None
    hidden: bool | None = None
    method: str | None = None

    def changes(self) -> dict[str, Any]:
        fields = (
            "votes_per_participant",
            "max_per_item",
            "target",
            "allow_own",
            "hidden",
            "method",
        )
        return {name: getattr(self, name) for name in fields if getattr(self, name) is not None}


@dataclass(frozen=True)
class VoteTarget:
    """One item of a vote: an idea (``kind`` "ideas") or a défi ("challenges").
    ``phase_id``: the vote step the dots were placed in, when the client says (an
    offline outbox does): refused as closed once another step is current."""

    item_id: int
    count: int = 1
    kind: VoteKind = "ideas"
    phase_id: int | None = None

    @property
    def idea_id(self) -> int:
        return self.item_id


def parse_vote_settings(payload: Any) -> VoteSettingsChange:
    """``{"phase_id"?, "votes_per_participant"?, "max_per_item"?, "target"?,
    "allow_own"?, "hidden"?, "method"?}``; the service checks them together."""
    data = require_mapping(payload)
    target = data.get("target")
    if target is not None and target not in VOTE_TARGETS:
        raise ValidationError(
            _("Please choose one of the options."), field="target", reason="choice"
        )
    method = data.get("method")
    if method is not None and method not in VOTE_METHODS:
        raise ValidationError(
            _("Please choose one of the options."), field="method", reason="choice"
        )
    return VoteSettingsChange(
        phase_id=integer(data, "phase_id", minimum=1, required=False),
        votes_per_participant=integer(
            data, "votes_per_participant", minimum=1, maximum=VOTES_MAX, required=False
        ),
        max_per_item=integer(data, "max_per_item", minimum=1, maximum=VOTES_MAX, required=False),
        target=target,
        allow_own=boolean(data, "allow_own"),
        hidden=boolean(data, "hidden"),
        method=method,
    )


def parse_vote_target(payload: Any) -> VoteTarget:
    """``{"idea_id" | "challenge_id", "count"?, "phase_id"?}``: how many dots to add or
    remove on one idea or one défi (1 by default), in which vote step if said."""
    data = require_mapping(payload)
    count = integer(data, "count", minimum=1, maximum=VOTES_MAX, required=False) or 1
    phase_id = integer(data, "phase_id", minimum=1, required=False)
    if data.get("challenge_id") is not None and data.get("idea_id") is None:
        challenge_id = integer(data, "challenge_id", minimum=1)
        assert challenge_id is not None  # noqa: S101
        return VoteTarget(item_id=challenge_id, count=count, kind="challenges", phase_id=phase_id)
    idea_id = integer(data, "idea_id", minimum=1)
    assert idea_id is not None  # noqa: S101
    if data.get("challenge_id") is not None:
        raise ValidationError(
            _("Vote for one item at a time."), field="challenge_id", reason="both"
        )
    return VoteTarget(item_id=idea_id, count=count, phase_id=phase_id)


def parse_vote_set(payload: Any) -> VoteTarget:
    """``{"idea_id" | "challenge_id", "count", "phase_id"?}``: the exact number of dots
    (0 to ``VOTES_MAX``) the caller wants on one idea or one défi."""
    data = require_mapping(payload)
    count = integer(data, "count", minimum=0, maximum=VOTES_MAX)
    assert count is not None  # noqa: S101 - required
    item = parse_vote_target({k: v for k, v in data.items() if k != "count"})
    return VoteTarget(item_id=item.item_id, count=count, kind=item.kind, phase_id=item.phase_id)


@dataclass(frozen=True)
class GradeChoice:
    """A participant's grade of one option of a majority-judgment vote: an idea
    (``kind`` "ideas") or a défi ("challenges"); ``grade`` 0 « à rejeter » … 6
    « excellent », or ``None`` to take the grade back. ``phase_id``: the vote step the
    choice was made in, when the client says (an offline outbox does): refused as
    closed once another step is current."""

    item_id: int
    kind: VoteKind
    grade: int | None
    phase_id: int | None = None


def _graded_item(data: dict[str, Any]) -> tuple[int, VoteKind]:
    """The one item a grade payload names: ``idea_id`` or ``challenge_id``."""
    has_idea = data.get("idea_id") is not None
    has_challenge = data.get("challenge_id") is not None
    if has_idea and has_challenge:
        raise ValidationError(_("Grade one item at a time."), field="challenge_id", reason="both")
    if has_challenge:
        challenge_id = integer(data, "challenge_id", minimum=1)
        assert challenge_id is not None  # noqa: S101 - present
        return challenge_id, "challenges"
    idea_id = integer(data, "idea_id", minimum=1)
    assert idea_id is not None  # noqa: S101 - required
    return idea_id, "ideas"


def parse_grade(payload: Any) -> GradeChoice:
    """``{"idea_id" | "challenge_id", "grade"}``: the grade (0 to 6, worst first) the
    caller gives one option; giving it again changes nothing."""
    data = require_mapping(payload)
    item_id, kind = _graded_item(data)
    grade = integer(data, "grade", minimum=SCALE[0], maximum=SCALE[-1])
    assert grade is not None  # noqa: S101 - required
    phase_id = integer(data, "phase_id", minimum=1, required=False)
    return GradeChoice(item_id=item_id, kind=kind, grade=grade, phase_id=phase_id)


def parse_grade_ref(payload: Any) -> GradeChoice:
    """``{"idea_id" | "challenge_id"}``: the option whose grade the caller takes back."""
    data = require_mapping(payload)
    item_id, kind = _graded_item(data)
    phase_id = integer(data, "phase_id", minimum=1, required=False)
    return GradeChoice(item_id=item_id, kind=kind, grade=None, phase_id=phase_id)
