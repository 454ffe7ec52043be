"""Vote payloads: the vote step's settings and the dots on one item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from flask_babel import gettext as _

from ..errors import ValidationError
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

    def changes(self) -> dict[str, Any]:
        fields = ("votes_per_participant", "max_per_item", "target", "allow_own", "hidden")
        return {name: getattr(self, name) for name in fields if getattr(self, name) is not None}


@dataclass(frozen=True)
class VoteTarget:
    """One item of a vote: an idea (``kind`` "ideas") or a défi ("challenges")."""

    item_id: int
    count: int = 1
    kind: VoteKind = "ideas"

    @property
    def idea_id(self) -> int:
        return self.item_id


def parse_vote_settings(payload: Any) -> VoteSettingsChange:
    """``{"phase_id"?, "votes_per_participant"?, "max_per_item"?, "target"?,
    "allow_own"?, "hidden"?}``; the service checks them together."""
    data = require_mapping(payload)
    target = data.get("target")
    if target is not None and target not in VOTE_TARGETS:
        raise ValidationError(
            _("Please choose one of the options."), field="target", reason="choice"
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
    )


def parse_vote_target(payload: Any) -> VoteTarget:
    """``{"idea_id" | "challenge_id", "count"?}``: how many dots to add or remove on one
    idea or one défi (1 by default)."""
    data = require_mapping(payload)
    count = integer(data, "count", minimum=1, maximum=VOTES_MAX, required=False) or 1
    if data.get("challenge_id") is not None and data.get("idea_id") is None:
        challenge_id = integer(data, "challenge_id", minimum=1)
        assert challenge_id is not None  # noqa: S101
        return VoteTarget(item_id=challenge_id, count=count, kind="challenges")
    idea_id = integer(data, "idea_id", minimum=1)
    assert idea_id is not None  # noqa: S101
    if data.get("challenge_id") is not None:
        raise ValidationError(
            _("Vote for one item at a time."), field="challenge_id", reason="both"
        )
    return VoteTarget(item_id=idea_id, count=count)


def parse_vote_set(payload: Any) -> VoteTarget:
    """``{"idea_id" | "challenge_id", "count"}``: the exact number of dots (0 to
    ``VOTES_MAX``) the caller wants on one idea or one défi."""
    data = require_mapping(payload)
    count = integer(data, "count", minimum=0, maximum=VOTES_MAX)
    assert count is not None  # noqa: S101 - required
    item = parse_vote_target({k: v for k, v in data.items() if k != "count"})
    return VoteTarget(item_id=item.item_id, count=count, kind=item.kind)
