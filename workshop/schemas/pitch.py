"""Pitch step payloads (issue #14): the spotlight, the pitch's two timers, the step's
settings, and the peer feedback cards.

Each ``parse_*`` checks one command's payload alone (types, ranges, lengths); what needs
the workshop (a pitch step, the cycle's projects and feedback kinds, the holder) is the
service's (:mod:`workshop.services.pitch`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from flask_babel import gettext as _

from ..errors import ValidationError
from .fields import CLIENT_ID_RE, boolean, identifier, integer, require_mapping, text

#: A feedback card's text, at most (a few sentences said aloud in a minute).
FEEDBACK_MAX = 500
#: Each timer of a project's turn lasts 10 seconds to an hour.
SECONDS_MIN = 10
SECONDS_MAX = 3600
#: A feedback kind's key, as a cycle names it (``likes``, ``modele-economique``…).
KIND_KEY_RE = re.compile(r"^[a-z0-9_-]{1,20}$")

Part = Literal["pitch", "questions"]
PARTS: tuple[Part, ...] = ("pitch", "questions")
Direction = Literal["next", "previous"]
DIRECTIONS: tuple[Direction, ...] = ("next", "previous")


def _format_error(field: str) -> ValidationError:
    return ValidationError(
        _("The request is not in the expected format."), field=field, reason="format"
    )


def _required_id(data: dict[str, Any], name: str) -> int:
    value = identifier(data, name)
    assert value is not None  # noqa: S101 - required=True raised otherwise
    return value


def _required_flag(data: dict[str, Any], name: str) -> bool:
    value = boolean(data, name)
    if value is None:
        raise ValidationError(_("This field is required."), field=name, reason="required")
    return value


@dataclass(frozen=True)
class SpotlightTarget:
    """Which project to put in the spotlight: one by id, or the next / previous one in
    the cycle's order."""

    project_id: int | None = None
    direction: Direction | None = None


def parse_spotlight_target(payload: Any) -> SpotlightTarget:
    """``{"project_id"}`` or ``{"direction": "next" | "previous"}``."""
    data = require_mapping(payload)
    direction = data.get("direction")
    if direction is not None:
        if direction not in DIRECTIONS or "project_id" in data:
            raise ValidationError(
                _("Please choose one of the options."), field="direction", reason="choice"
            )
        return SpotlightTarget(direction=direction)
    return SpotlightTarget(project_id=_required_id(data, "project_id"))


def parse_part(payload: Any) -> Part:
    """``{"part": "pitch" | "questions"}``: which of the turn's timers to start."""
    data = require_mapping(payload)
    part = data.get("part")
    if part not in PARTS:
        raise ValidationError(_("Please choose one of the options."), field="part", reason="choice")
    return part  # type: ignore[no-any-return]  # checked just above against PARTS


def parse_empty(payload: Any) -> None:
    """``{}`` (or nothing)."""
    require_mapping({} if payload is None else payload)


@dataclass(frozen=True)
class PitchSettings:
    """How long each project's pitch and questions last, in seconds."""

    pitch_seconds: int
    questions_seconds: int


def parse_pitch_settings(payload: Any) -> PitchSettings:
    """``{"pitch_seconds", "questions_seconds"}``, each 10 to 3600."""
    data = require_mapping(payload)
    pitch = integer(data, "pitch_seconds", minimum=SECONDS_MIN, maximum=SECONDS_MAX)
    questions = integer(data, "questions_seconds", minimum=SECONDS_MIN, maximum=SECONDS_MAX)
    assert pitch is not None and questions is not None  # noqa: S101 - required
    return PitchSettings(pitch_seconds=pitch, questions_seconds=questions)


@dataclass(frozen=True)
class NewFeedback:
    """A feedback card a participant gives a project (exactly once per ``client_id``)."""

    client_id: str
    project_id: int
    kind: str
    text: str


def parse_new_feedback(payload: Any) -> NewFeedback:
    """``{"client_id", "project_id", "kind", "text"}``; the text 1 to 500 characters."""
    data = require_mapping(payload)
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        raise _format_error("client_id")
    kind = data.get("kind")
    if not isinstance(kind, str) or not KIND_KEY_RE.match(kind):
        raise ValidationError(_("Please choose one of the options."), field="kind", reason="choice")
    return NewFeedback(
        client_id=client_id,
        project_id=_required_id(data, "project_id"),
        kind=kind,
        text=text(data, "text", max_len=FEEDBACK_MAX, required=True, multiline=True),
    )


@dataclass(frozen=True)
class FeedbackFlag:
    """A yes/no a facilitator sets on one card: hidden, or selected for the screen."""

    card_id: int
    value: bool


def parse_feedback_hidden(payload: Any) -> FeedbackFlag:
    """``{"card_id", "hidden": bool}``."""
    data = require_mapping(payload)
    return FeedbackFlag(_required_id(data, "card_id"), _required_flag(data, "hidden"))


def parse_feedback_selected(payload: Any) -> FeedbackFlag:
    """``{"card_id", "selected": bool}``."""
    data = require_mapping(payload)
    return FeedbackFlag(_required_id(data, "card_id"), _required_flag(data, "selected"))
