"""« Mon projet »: the forms of a holder's project across a cycle (pitch, note
d'intention, logbook) and of the facilitators' projects page (order, a project created
for a holder).

HTML forms: an unticked checkbox sends nothing, so a missing ``show_name`` or
``share_feedback`` is « no ».
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from .fields import TITLE_MAX, boolean, choice, identifier, integer, require_mapping, text

#: A pitch is said in a few lines: about three minutes aloud is more than this.
PITCH_MAX = 600
#: One section of the note d'intention.
SECTION_MAX = 4000
#: One line of the logbook.
LOGBOOK_MAX = 1000


class LogbookKind(StrEnum):
    """What a logbook entry records (« décidé », « prochaine étape », « note »)."""

    DECIDED = "decided"
    NEXT_STEP = "next_step"
    NOTE = "note"


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class ProjectForm:
    """A project as its holder (or a facilitator, for them) fills it in; ``version`` is
    the one the form was made from (``None`` when creating)."""

    title: str
    pitch: str
    show_name: bool
    share_feedback: bool
    version: int | None = None


@dataclass(frozen=True)
class SectionEdit:
    """One section of the note d'intention as typed, and the project version it was
    made from."""

    key: str
    text: str
    version: int


@dataclass(frozen=True)
class NewLogbookEntry:
    kind: str
    text: str


@dataclass(frozen=True)
class NewProjectFor:
    """A project a facilitator creates for an enrolled holder."""

    enrolment_id: int
    project: ProjectForm


def _flag(data: dict[str, Any], field: str) -> bool:
    return bool(boolean(data, field))


def _version(data: dict[str, Any]) -> int:
    version = integer(data, "version", minimum=1)
    assert version is not None  # noqa: S101 - required
    return version


def parse_project_form(payload: Any, *, creating: bool) -> ProjectForm:
    """``{"title", "pitch", "show_name"?, "share_feedback"?, "version"}`` (``version``
    only when editing: the project version the form was made from)."""
    data = require_mapping(payload)
    return ProjectForm(
        title=text(data, "title", max_len=TITLE_MAX, required=True),
        pitch=text(data, "pitch", max_len=PITCH_MAX, multiline=True),
        show_name=_flag(data, "show_name"),
        share_feedback=_flag(data, "share_feedback"),
        version=None if creating else _version(data),
    )


def parse_section(payload: Any, key: str, keys: list[str]) -> SectionEdit:
    """``{"text", "version"}`` for section ``key`` of the cycle's template (``keys``);
    an unknown section is refused."""
    data = require_mapping(payload)
    if key not in keys:
        raise ValidationError(
            _("This section is not in the note d'intention."), field="key", reason="choice"
        )
    return SectionEdit(
        key=key,
        text=text(data, "text", max_len=SECTION_MAX, multiline=True),
        version=_version(data),
    )


def parse_logbook_entry(payload: Any) -> NewLogbookEntry:
    """``{"kind": "decided"|"next_step"|"note", "text"}``."""
    data = require_mapping(payload)
    return NewLogbookEntry(
        kind=choice(data, "kind", LogbookKind),
        text=text(data, "text", max_len=LOGBOOK_MAX, required=True, multiline=True),
    )


def parse_direction(payload: Any) -> Direction:
    """``{"direction": "up"|"down"}``: a project moved in the pitch order."""
    return Direction(choice(require_mapping(payload), "direction", Direction))


def parse_project_for(payload: Any) -> NewProjectFor:
    """``{"enrolment_id", "title", "pitch", ...}``: a project a facilitator creates for
    an enrolled person."""
    data = require_mapping(payload)
    enrolment_id = identifier(data, "enrolment_id")
    assert enrolment_id is not None  # noqa: S101 - required
    return NewProjectFor(enrolment_id, parse_project_form(data, creating=True))
