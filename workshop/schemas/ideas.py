"""Idea payloads: posting, editing, referring to an idea, looking up similar ones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from .fields import (
    CLIENT_ID_RE,
    DESCRIPTION_MAX,
    NEED_MAX,
    TITLE_MAX,
    integer,
    require_mapping,
    text,
)


@dataclass(frozen=True)
class NewIdea:
    client_id: str
    title: str
    description: str = ""
    need: str = ""


@dataclass(frozen=True)
class IdeaEdit:
    idea_id: int
    title: str
    description: str
    need: str
    version: int | None = None


def parse_new_idea(payload: Any) -> NewIdea:
    data = require_mapping(payload)
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        raise ValidationError(
            _("The idea has no valid identifier."), field="client_id", reason="format"
        )
    return NewIdea(
        client_id=client_id,
        title=text(data, "title", max_len=TITLE_MAX, required=True),
        description=text(data, "description", max_len=DESCRIPTION_MAX, multiline=True),
        need=text(data, "need", max_len=NEED_MAX, multiline=True),
    )


def parse_idea_edit(payload: Any) -> IdeaEdit:
    data = require_mapping(payload)
    idea_id = integer(data, "idea_id", minimum=1)
    assert idea_id is not None  # noqa: S101 - required=True guarantees it
    return IdeaEdit(
        idea_id=idea_id,
        title=text(data, "title", max_len=TITLE_MAX, required=True),
        description=text(data, "description", max_len=DESCRIPTION_MAX, multiline=True),
        need=text(data, "need", max_len=NEED_MAX, multiline=True),
        version=integer(data, "version", minimum=1, required=False),
    )


def parse_idea_ref(payload: Any) -> int:
    value = integer(require_mapping(payload), "idea_id", minimum=1)
    assert value is not None  # noqa: S101
    return value


def parse_similar_query(payload: Any) -> str:
    return text(require_mapping(payload), "text", max_len=DESCRIPTION_MAX + TITLE_MAX)
