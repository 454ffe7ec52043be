"""Grouping payloads: défis (``Challenge``), moving and merging ideas, suggested groups."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from .fields import (
    DESCRIPTION_MAX,
    TITLE_MAX,
    choice,
    id_list,
    identifier,
    integer,
    require_mapping,
    text,
)

SUGGEST_MAX_GROUPS = 60


@dataclass(frozen=True)
class NewChallenge:
    title: str
    description: str = ""


@dataclass(frozen=True)
class ChallengeEdit:
    challenge_id: int
    version: int
    title: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class IdeaMove:
    idea_id: int
    challenge_id: int | None  # None: back among the unclassified ideas
    position: int | None = None  # None: at the end


@dataclass(frozen=True)
class ChallengeMerge:
    source_id: int  # disappears
    target_id: int  # receives the ideas


@dataclass(frozen=True)
class ChallengeSplit:
    challenge_id: int
    idea_ids: list[int]  # leave for the new défi
    new: NewChallenge


@dataclass(frozen=True)
class IdeaMerge:
    idea_id: int  # absorbed
    into_id: int  # absorbing


class GroupingChange(StrEnum):
    """The grouping changes ``undo_grouping_change`` can take back, each named by the
    idea or défi it is about: the idea absorbed, the défi absorbed, the défi split."""

    IDEAS_MERGED = "ideas_merged"
    CHALLENGES_MERGED = "challenges_merged"
    CHALLENGE_SPLIT = "challenge_split"
    # A cluster of duplicates merged in one action, named by the idea kept.
    DUPLICATES_MERGED = "duplicates_merged"


@dataclass(frozen=True)
class GroupingUndo:
    kind: GroupingChange
    # The absorbed idea, the absorbed défi (gone), the défi that was split, or the idea
    # a cluster of duplicates was merged into.
    id: int


@dataclass(frozen=True)
class SuggestedGroup:
    title: str
    idea_ids: list[int]


def parse_new_challenge(payload: Any) -> NewChallenge:
    data = require_mapping(payload)
    return NewChallenge(
        title=text(data, "title", max_len=TITLE_MAX, required=True),
        description=text(data, "description", max_len=DESCRIPTION_MAX, multiline=True),
    )


def parse_challenge_edit(payload: Any) -> ChallengeEdit:
    data = require_mapping(payload)
    challenge_id, version = identifier(data, "challenge_id"), identifier(data, "version")
    assert challenge_id is not None and version is not None  # noqa: S101
    title = description = None
    if "title" in data:
        title = text(data, "title", max_len=TITLE_MAX, required=True)
    if "description" in data:
        description = text(data, "description", max_len=DESCRIPTION_MAX, multiline=True)
    return ChallengeEdit(challenge_id, version, title, description)


def parse_challenge_ref(payload: Any) -> int:
    value = identifier(require_mapping(payload), "challenge_id")
    assert value is not None  # noqa: S101
    return value


def parse_challenge_order(payload: Any) -> list[int]:
    return id_list(require_mapping(payload), "challenge_ids", max_len=500)


def parse_challenge_merge(payload: Any) -> ChallengeMerge:
    data = require_mapping(payload)
    source, target = identifier(data, "source_id"), identifier(data, "target_id")
    assert source is not None and target is not None  # noqa: S101
    return ChallengeMerge(source, target)


def parse_challenge_split(payload: Any) -> ChallengeSplit:
    data = require_mapping(payload)
    challenge_id = identifier(data, "challenge_id")
    assert challenge_id is not None  # noqa: S101
    return ChallengeSplit(challenge_id, id_list(data, "idea_ids"), parse_new_challenge(data))


def parse_idea_move(payload: Any) -> IdeaMove:
    data = require_mapping(payload)
    idea_id = identifier(data, "idea_id")
    assert idea_id is not None  # noqa: S101
    return IdeaMove(
        idea_id=idea_id,
        challenge_id=identifier(data, "challenge_id", required=False),
        position=integer(data, "position", minimum=0, maximum=100000, required=False),
    )


def parse_idea_merge(payload: Any) -> IdeaMerge:
    """``{"idea_id", "into_id"}``: ``idea_id`` is absorbed by ``into_id``."""
    data = require_mapping(payload)
    idea_id, into_id = identifier(data, "idea_id"), identifier(data, "into_id")
    assert idea_id is not None and into_id is not None  # noqa: S101
    return IdeaMerge(idea_id, into_id)


def parse_grouping_undo(payload: Any) -> GroupingUndo:
    """``{"kind", "id"}``: which change to take back, and the idea or défi it is about."""
    data = require_mapping(payload)
    kind = GroupingChange(choice(data, "kind", GroupingChange))
    target = identifier(data, "id")
    assert target is not None  # noqa: S101
    return GroupingUndo(kind, target)


def parse_suggest(payload: Any) -> int | None:
    """``{"k"?}``: how many défis to suggest; none lets the engine choose."""
    return integer(
        require_mapping(payload or {}), "k", minimum=1, maximum=SUGGEST_MAX_GROUPS, required=False
    )


def parse_grouping(payload: Any) -> list[SuggestedGroup]:
    """``{"groups": [{"title", "idea_ids"}]}``: the suggested groups accepted."""
    data = require_mapping(payload)
    groups = data.get("groups")
    if not isinstance(groups, list) or not groups or len(groups) > SUGGEST_MAX_GROUPS:
        raise ValidationError(_("Choose at least one group."), field="groups", reason="required")
    parsed = [
        SuggestedGroup(
            title=text(require_mapping(g), "title", max_len=TITLE_MAX, required=True),
            idea_ids=id_list(g, "idea_ids"),
        )
        for g in groups
    ]
    seen: set[int] = set()
    for group in parsed:
        if seen & set(group.idea_ids):
            raise ValidationError(_("An item appears twice."), field="groups", reason="duplicate")
        seen |= set(group.idea_ids)
    return parsed
