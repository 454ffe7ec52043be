"""Workshop payloads: creation, joining, settings, the agenda and the timer."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from flask_babel import gettext as _

from ..errors import ValidationError
from ..models import (
    Profile,
)
from ..phases import Format, PhaseKind
from .fields import (
    AGENDA_MAX_PHASES,
    CODE_ALPHABET,
    CODE_LENGTHS,
    DISPLAY_NAME_MAX,
    PHASE_MAX_MINUTES,
    PHASE_TITLE_MAX,
    QUESTION_MAX,
    TERRITORY_MAX,
    TIMER_MAX_SECONDS,
    TITLE_MAX,
    boolean,
    choice,
    integer,
    require_mapping,
    text,
)


@dataclass(frozen=True)
class NewWorkshop:
    title: str
    format: Format
    question: str = ""
    territory: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class JoinRequest:
    display_name: str
    profile: str


@dataclass(frozen=True)
class SettingsChange:
    anonymous: bool | None = None
    moderation: bool | None = None
    participants_group: bool | None = None
    participants_qualify: bool | None = None


@dataclass(frozen=True)
class PhaseTarget:
    phase_id: int | None = None
    direction: Literal["next", "previous"] | None = None


@dataclass(frozen=True)
class AgendaItem:
    kind: PhaseKind
    title: str
    duration_s: int
    id: int | None = None


def parse_new_workshop(payload: Any) -> NewWorkshop:
    data = require_mapping(payload)
    raw_date = data.get("date") or None
    date = None
    if raw_date is not None:
        if isinstance(raw_date, dt.date):
            date = raw_date
        else:
            try:
                date = dt.date.fromisoformat(str(raw_date).strip())
            except ValueError:
                raise ValidationError(
                    _("The date must look like 2026-03-21."), field="date", reason="format"
                ) from None
    return NewWorkshop(
        title=text(data, "title", max_len=TITLE_MAX, required=True),
        format=Format(choice(data, "format", Format)),
        question=text(data, "question", max_len=QUESTION_MAX, multiline=True),
        territory=text(data, "territory", max_len=TERRITORY_MAX),
        date=date,
    )


def parse_join(payload: Any) -> JoinRequest:
    data = require_mapping(payload)
    return JoinRequest(
        display_name=text(data, "display_name", max_len=DISPLAY_NAME_MAX, required=True),
        profile=choice(data, "profile", Profile),
    )


def normalize_code(value: Any) -> str:
    """Upper-case a typed join code and drop spaces and dashes; ``""`` if it cannot be one."""
    if not isinstance(value, str):
        return ""
    code = re.sub(r"[\s\-.]", "", value).upper()
    if len(code) not in CODE_LENGTHS or any(ch not in CODE_ALPHABET for ch in code):
        return ""
    return code


def parse_settings(payload: Any) -> SettingsChange:
    data = require_mapping(payload)
    return SettingsChange(
        anonymous=boolean(data, "anonymous"),
        moderation=boolean(data, "moderation"),
        participants_group=boolean(data, "participants_group"),
        participants_qualify=boolean(data, "participants_qualify"),
    )


def parse_flag(payload: Any, field: str) -> bool:
    value = boolean(require_mapping(payload), field)
    if value is None:
        raise ValidationError(_("This field is required."), field=field, reason="required")
    return value


def parse_phase_target(payload: Any) -> PhaseTarget:
    data = require_mapping(payload)
    direction = data.get("direction")
    if direction is not None:
        if direction not in ("next", "previous"):
            raise ValidationError(
                _("Please choose one of the options."), field="direction", reason="choice"
            )
        return PhaseTarget(direction=direction)
    return PhaseTarget(phase_id=integer(data, "phase_id", minimum=1))


def parse_phase_ref(payload: Any) -> int | None:
    """``{"phase_id"?}``: a phase of the agenda, ``None`` for the current one."""
    return integer(require_mapping(payload or {}), "phase_id", minimum=1, required=False)


def parse_seconds(payload: Any, field: str = "seconds", *, required: bool = True) -> int | None:
    return integer(
        require_mapping(payload), field, minimum=1, maximum=TIMER_MAX_SECONDS, required=required
    )


def parse_last_seq(payload: Any) -> int | None:
    if payload is None:
        return None
    return integer(require_mapping(payload), "last_seq", minimum=0, required=False)


def parse_agenda(payload: Any) -> list[AgendaItem]:
    """An agenda: ``{"phases": [{"id"?, "kind", "title", "minutes"}, ...]}``."""
    data = require_mapping(payload)
    items = data.get("phases")
    if not isinstance(items, list) or not items:
        raise ValidationError(
            _("The agenda needs at least one step."), field="phases", reason="required"
        )
    if len(items) > AGENDA_MAX_PHASES:
        raise ValidationError(
            _("The agenda can have at most %(max)d steps.", max=AGENDA_MAX_PHASES),
            field="phases",
            reason="too_long",
            max=AGENDA_MAX_PHASES,
        )
    parsed = []
    for item in items:
        row = require_mapping(item)
        kind = PhaseKind(choice(row, "kind", PhaseKind))
        minutes = integer(row, "minutes", minimum=0, maximum=PHASE_MAX_MINUTES, required=False) or 0
        parsed.append(
            AgendaItem(
                id=integer(row, "id", minimum=1, required=False),
                kind=kind,
                title=text(row, "title", max_len=PHASE_TITLE_MAX) or "",
                duration_s=minutes * 60,
            )
        )
    return parsed


def parse_participant_ref(payload: Any) -> int:
    """``{"participant_id"}``: a participant of the workshop."""
    value = integer(require_mapping(payload), "participant_id", minimum=1)
    assert value is not None  # noqa: S101 - required
    return value


class ErasureIdeas(StrEnum):
    """What a participant's erasure does to their ideas."""

    KEEP = "keep"  # they stay, without author
    DELETE = "delete"  # they go with the rest


RETENTION_MAX_DAYS = 3650
ORGANISER_MAX = 140
ORGANISER_CONTACT_MAX = 254


@dataclass(frozen=True)
class PrivacySettings:
    """Who is responsible for the participants' data, who receives it, how long a
    closed workshop keeps it, and what a participant's erasure does to their ideas."""

    organiser: str
    organiser_contact: str
    recipient: str
    retention_days: int | None  # None: the server's RETENTION_DAYS
    erasure_keeps_ideas: bool


def parse_privacy_settings(payload: Any) -> PrivacySettings:
    data = require_mapping(payload)
    raw_days = data.get("retention_days")
    days = None
    if raw_days not in (None, ""):
        days = integer(data, "retention_days", minimum=1, maximum=RETENTION_MAX_DAYS)
    return PrivacySettings(
        organiser=text(data, "organiser", max_len=ORGANISER_MAX),
        organiser_contact=text(data, "organiser_contact", max_len=ORGANISER_CONTACT_MAX),
        recipient=text(data, "recipient", max_len=ORGANISER_MAX),
        retention_days=days,
        erasure_keeps_ideas=choice(data, "erasure_ideas", ErasureIdeas) == ErasureIdeas.KEEP,
    )
