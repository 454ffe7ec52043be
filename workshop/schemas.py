"""Boundary validation (``parse_*``) and role-aware serialisation (``serialize_*``).

Every HTTP form, socket payload and CLI argument goes through a ``parse_*`` function
before reaching a service: it checks types, required fields and lengths, and raises
:class:`~workshop.errors.ValidationError` naming the field. Serialisers decide what
each role sees: the public view (participants and screens) never carries what only
facilitators may see.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _

from .errors import AbandonReasonRequired, ContactRequired, InvalidInseeCode, ValidationError
from .models import (
    Challenge,
    Idea,
    IdeaStatus,
    Maturity,
    Participant,
    Phase,
    Profile,
    Qualification,
    Stage,
    Volunteer,
    VolunteerKind,
    Workshop,
)
from .phases import Format, PhaseKind, capabilities, vote_settings

TITLE_MAX = 140
DESCRIPTION_MAX = 2000
NEED_MAX = 1000
QUESTION_MAX = 500
TERRITORY_MAX = 140
DISPLAY_NAME_MAX = 40
PHASE_TITLE_MAX = 80
PHASE_MAX_MINUTES = 24 * 60
AGENDA_MAX_PHASES = 30
TIMER_MAX_SECONDS = 24 * 3600
PASSWORD_MIN = 10
PASSWORD_MAX = 200
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Join codes use an alphabet with no look-alike characters (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
INT_MAX = 2**31 - 1


class Role(StrEnum):
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"
    SCREEN = "screen"


# --------------------------------------------------------------------- parsing helpers


def _require_mapping(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ValidationError(_("The request is not in the expected format."), field=None)
    return payload


def _text(
    payload: dict[str, Any],
    field: str,
    *,
    max_len: int,
    required: bool = False,
    multiline: bool = False,
) -> str:
    """A stripped string of at most ``max_len`` characters (after NFC normalisation)."""
    value = payload.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("This field must be text."), field=field, reason="type")
    value = unicodedata.normalize("NFC", value)
    # NUL cannot be stored by PostgreSQL; other control characters are noise. Lone
    # surrogates (valid in JSON, "\ud800") cannot be encoded to UTF-8 at all.
    value = "".join(
        ch for ch in value if ch in "\n\r\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = value.replace("\t", " ")
    else:
        value = " ".join(value.split())
    value = value.strip()
    if required and not value:
        raise ValidationError(_("This field is required."), field=field, reason="required")
    if len(value) > max_len:
        raise ValidationError(
            _("This field is too long (%(max)d characters at most).", max=max_len),
            field=field,
            reason="too_long",
            max=max_len,
        )
    return value


def _int(
    payload: dict[str, Any],
    field: str,
    *,
    minimum: int = 0,
    maximum: int = INT_MAX,
    required: bool = True,
) -> int | None:
    value = payload.get(field)
    if value is None or value == "":
        if required:
            raise ValidationError(_("This field is required."), field=field, reason="required")
        return None
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,10}", value.strip()):
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_("This field must be a whole number."), field=field, reason="type")
    if not minimum <= value <= maximum:
        raise ValidationError(
            _("This number must be between %(min)d and %(max)d.", min=minimum, max=maximum),
            field=field,
            reason="range",
            min=minimum,
            max=maximum,
        )
    return value


def _bool(payload: dict[str, Any], field: str) -> bool | None:
    value = payload.get(field)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"1", "true", "on", "yes"}:
        return True
    if isinstance(value, str) and value.lower() in {"0", "false", "off", "no"}:
        return False
    raise ValidationError(_("This field must be yes or no."), field=field, reason="type")


def _choice(payload: dict[str, Any], field: str, enum: type[StrEnum]) -> str:
    value = payload.get(field)
    if not isinstance(value, str) or value not in {m.value for m in enum}:
        raise ValidationError(_("Please choose one of the options."), field=field, reason="choice")
    return value


# --------------------------------------------------------------------- parsed payloads


@dataclass(frozen=True)
class NewFacilitator:
    email: str
    name: str
    password: str


@dataclass(frozen=True)
class NewWorkshop:
    title: str
    format: str
    question: str = ""
    territory: str = ""
    date: dt.date | None = None


@dataclass(frozen=True)
class JoinRequest:
    display_name: str
    profile: str


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


@dataclass(frozen=True)
class SettingsChange:
    anonymous: bool | None = None
    moderation: bool | None = None
    participants_group: bool | None = None
    participants_qualify: bool | None = None


@dataclass(frozen=True)
class PhaseTarget:
    phase_id: int | None = None
    direction: str | None = None  # "next" or "previous"


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


@dataclass(frozen=True)
class SuggestedGroup:
    title: str
    idea_ids: list[int]


@dataclass(frozen=True)
class VoteSettingsChange:
    """Vote settings to change; ``None`` keeps the current value."""

    phase_id: int | None = None
    votes_per_participant: int | None = None
    max_per_item: int | None = None
    target: str | None = None
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
    kind: str = "ideas"

    @property
    def idea_id(self) -> int:
        return self.item_id


@dataclass(frozen=True)
class AgendaItem:
    kind: str
    title: str
    duration_s: int
    id: int | None = None


def parse_email(value: Any) -> str:
    email = _text({"email": value}, "email", max_len=254, required=True).lower()
    if not EMAIL_RE.match(email):
        raise ValidationError(_("This email address is not valid."), field="email", reason="format")
    return email


def parse_password(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(_("This field must be text."), field="password", reason="type")
    if not PASSWORD_MIN <= len(value) <= PASSWORD_MAX:
        raise ValidationError(
            _(
                "The password must have between %(min)d and %(max)d characters.",
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
            ),
            field="password",
            reason="length",
        )
    return value


def parse_new_facilitator(payload: Any) -> NewFacilitator:
    data = _require_mapping(payload)
    email = parse_email(data.get("email"))
    name = _text(data, "name", max_len=80) or email.split("@")[0]
    return NewFacilitator(email=email, name=name, password=parse_password(data.get("password")))


def parse_new_workshop(payload: Any) -> NewWorkshop:
    data = _require_mapping(payload)
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
        title=_text(data, "title", max_len=TITLE_MAX, required=True),
        format=_choice(data, "format", Format),
        question=_text(data, "question", max_len=QUESTION_MAX, multiline=True),
        territory=_text(data, "territory", max_len=TERRITORY_MAX),
        date=date,
    )


def parse_join(payload: Any) -> JoinRequest:
    data = _require_mapping(payload)
    return JoinRequest(
        display_name=_text(data, "display_name", max_len=DISPLAY_NAME_MAX, required=True),
        profile=_choice(data, "profile", Profile),
    )


def normalize_code(value: Any) -> str:
    """Upper-case a typed join code and drop spaces and dashes; ``""`` if it cannot be one."""
    if not isinstance(value, str):
        return ""
    code = re.sub(r"[\s\-.]", "", value).upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return ""
    return code


def parse_new_idea(payload: Any) -> NewIdea:
    data = _require_mapping(payload)
    client_id = data.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
        raise ValidationError(
            _("The idea has no valid identifier."), field="client_id", reason="format"
        )
    return NewIdea(
        client_id=client_id,
        title=_text(data, "title", max_len=TITLE_MAX, required=True),
        description=_text(data, "description", max_len=DESCRIPTION_MAX, multiline=True),
        need=_text(data, "need", max_len=NEED_MAX, multiline=True),
    )


def parse_idea_edit(payload: Any) -> IdeaEdit:
    data = _require_mapping(payload)
    idea_id = _int(data, "idea_id", minimum=1)
    assert idea_id is not None  # noqa: S101 - required=True guarantees it
    return IdeaEdit(
        idea_id=idea_id,
        title=_text(data, "title", max_len=TITLE_MAX, required=True),
        description=_text(data, "description", max_len=DESCRIPTION_MAX, multiline=True),
        need=_text(data, "need", max_len=NEED_MAX, multiline=True),
        version=_int(data, "version", minimum=1, required=False),
    )


def parse_idea_ref(payload: Any) -> int:
    value = _int(_require_mapping(payload), "idea_id", minimum=1)
    assert value is not None  # noqa: S101
    return value


def parse_settings(payload: Any) -> SettingsChange:
    data = _require_mapping(payload)
    return SettingsChange(
        anonymous=_bool(data, "anonymous"),
        moderation=_bool(data, "moderation"),
        participants_group=_bool(data, "participants_group"),
        participants_qualify=_bool(data, "participants_qualify"),
    )


def parse_flag(payload: Any, field: str) -> bool:
    value = _bool(_require_mapping(payload), field)
    if value is None:
        raise ValidationError(_("This field is required."), field=field, reason="required")
    return value


def parse_phase_target(payload: Any) -> PhaseTarget:
    data = _require_mapping(payload)
    direction = data.get("direction")
    if direction is not None:
        if direction not in ("next", "previous"):
            raise ValidationError(
                _("Please choose one of the options."), field="direction", reason="choice"
            )
        return PhaseTarget(direction=direction)
    return PhaseTarget(phase_id=_int(data, "phase_id", minimum=1))


VOTES_MAX = 99
VOTE_TARGETS = ("ideas", "challenges")


def parse_vote_settings(payload: Any) -> VoteSettingsChange:
    """``{"phase_id"?, "votes_per_participant"?, "max_per_item"?, "target"?,
    "allow_own"?, "hidden"?}``; the service checks them together."""
    data = _require_mapping(payload)
    target = data.get("target")
    if target is not None and target not in VOTE_TARGETS:
        raise ValidationError(
            _("Please choose one of the options."), field="target", reason="choice"
        )
    return VoteSettingsChange(
        phase_id=_int(data, "phase_id", minimum=1, required=False),
        votes_per_participant=_int(
            data, "votes_per_participant", minimum=1, maximum=VOTES_MAX, required=False
        ),
        max_per_item=_int(data, "max_per_item", minimum=1, maximum=VOTES_MAX, required=False),
        target=target,
        allow_own=_bool(data, "allow_own"),
        hidden=_bool(data, "hidden"),
    )


SUGGEST_MAX_GROUPS = 60


def _id(data: dict[str, Any], field: str, *, required: bool = True) -> int | None:
    return _int(data, field, minimum=1, required=required)


def _id_list(data: dict[str, Any], field: str, *, max_len: int = 5000) -> list[int]:
    values = data.get(field)
    if not isinstance(values, list) or len(values) > max_len:
        raise ValidationError(_("This field must be a list."), field=field, reason="type")
    ids = [_id({field: value}, field) for value in values]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("An item appears twice."), field=field, reason="duplicate")
    return [i for i in ids if i is not None]


def parse_new_challenge(payload: Any) -> NewChallenge:
    data = _require_mapping(payload)
    return NewChallenge(
        title=_text(data, "title", max_len=TITLE_MAX, required=True),
        description=_text(data, "description", max_len=DESCRIPTION_MAX, multiline=True),
    )


def parse_challenge_edit(payload: Any) -> ChallengeEdit:
    data = _require_mapping(payload)
    challenge_id, version = _id(data, "challenge_id"), _id(data, "version")
    assert challenge_id is not None and version is not None  # noqa: S101
    title = description = None
    if "title" in data:
        title = _text(data, "title", max_len=TITLE_MAX, required=True)
    if "description" in data:
        description = _text(data, "description", max_len=DESCRIPTION_MAX, multiline=True)
    return ChallengeEdit(challenge_id, version, title, description)


def parse_challenge_ref(payload: Any) -> int:
    value = _id(_require_mapping(payload), "challenge_id")
    assert value is not None  # noqa: S101
    return value


def parse_challenge_order(payload: Any) -> list[int]:
    return _id_list(_require_mapping(payload), "challenge_ids", max_len=500)


def parse_challenge_merge(payload: Any) -> ChallengeMerge:
    data = _require_mapping(payload)
    source, target = _id(data, "source_id"), _id(data, "target_id")
    assert source is not None and target is not None  # noqa: S101
    return ChallengeMerge(source, target)


def parse_challenge_split(payload: Any) -> ChallengeSplit:
    data = _require_mapping(payload)
    challenge_id = _id(data, "challenge_id")
    assert challenge_id is not None  # noqa: S101
    return ChallengeSplit(challenge_id, _id_list(data, "idea_ids"), parse_new_challenge(data))


def parse_idea_move(payload: Any) -> IdeaMove:
    data = _require_mapping(payload)
    idea_id = _id(data, "idea_id")
    assert idea_id is not None  # noqa: S101
    return IdeaMove(
        idea_id=idea_id,
        challenge_id=_id(data, "challenge_id", required=False),
        position=_int(data, "position", minimum=0, maximum=100000, required=False),
    )


def parse_idea_merge(payload: Any) -> IdeaMerge:
    """``{"idea_id", "into_id"}``: ``idea_id`` is absorbed by ``into_id``."""
    data = _require_mapping(payload)
    idea_id, into_id = _id(data, "idea_id"), _id(data, "into_id")
    assert idea_id is not None and into_id is not None  # noqa: S101
    return IdeaMerge(idea_id, into_id)


def parse_suggest(payload: Any) -> int | None:
    """``{"k"?}``: how many défis to suggest; none lets the engine choose."""
    return _int(
        _require_mapping(payload or {}), "k", minimum=1, maximum=SUGGEST_MAX_GROUPS, required=False
    )


def parse_grouping(payload: Any) -> list[SuggestedGroup]:
    """``{"groups": [{"title", "idea_ids"}]}``: the suggested groups accepted."""
    data = _require_mapping(payload)
    groups = data.get("groups")
    if not isinstance(groups, list) or not groups or len(groups) > SUGGEST_MAX_GROUPS:
        raise ValidationError(_("Choose at least one group."), field="groups", reason="required")
    parsed = [
        SuggestedGroup(
            title=_text(_require_mapping(g), "title", max_len=TITLE_MAX, required=True),
            idea_ids=_id_list(g, "idea_ids"),
        )
        for g in groups
    ]
    seen: set[int] = set()
    for group in parsed:
        if seen & set(group.idea_ids):
            raise ValidationError(_("An item appears twice."), field="groups", reason="duplicate")
        seen |= set(group.idea_ids)
    return parsed


def parse_similar_query(payload: Any) -> str:
    return _text(_require_mapping(payload), "text", max_len=DESCRIPTION_MAX + TITLE_MAX)


def parse_phase_ref(payload: Any) -> int | None:
    """``{"phase_id"?}``: a phase of the agenda, ``None`` for the current one."""
    return _int(_require_mapping(payload or {}), "phase_id", minimum=1, required=False)


def parse_vote_target(payload: Any) -> VoteTarget:
    """``{"idea_id" | "challenge_id", "count"?}``: how many dots to add or remove on one
    idea or one défi (1 by default)."""
    data = _require_mapping(payload)
    count = _int(data, "count", minimum=1, maximum=VOTES_MAX, required=False) or 1
    if data.get("challenge_id") is not None and data.get("idea_id") is None:
        challenge_id = _int(data, "challenge_id", minimum=1)
        assert challenge_id is not None  # noqa: S101
        return VoteTarget(item_id=challenge_id, count=count, kind="challenges")
    idea_id = _int(data, "idea_id", minimum=1)
    assert idea_id is not None  # noqa: S101
    if data.get("challenge_id") is not None:
        raise ValidationError(
            _("Vote for one item at a time."), field="challenge_id", reason="both"
        )
    return VoteTarget(item_id=idea_id, count=count)


def parse_vote_set(payload: Any) -> VoteTarget:
    """``{"idea_id" | "challenge_id", "count"}``: the exact number of dots (0 to
    ``VOTES_MAX``) the caller wants on one idea or one défi."""
    data = _require_mapping(payload)
    count = _int(data, "count", minimum=0, maximum=VOTES_MAX)
    assert count is not None  # noqa: S101 - required
    item = parse_vote_target({k: v for k, v in data.items() if k != "count"})
    return VoteTarget(item_id=item.item_id, count=count, kind=item.kind)


def parse_seconds(payload: Any, field: str = "seconds", *, required: bool = True) -> int | None:
    return _int(
        _require_mapping(payload), field, minimum=1, maximum=TIMER_MAX_SECONDS, required=required
    )


def parse_last_seq(payload: Any) -> int | None:
    if payload is None:
        return None
    return _int(_require_mapping(payload), "last_seq", minimum=0, required=False)


def parse_agenda(payload: Any) -> list[AgendaItem]:
    """An agenda: ``{"phases": [{"id"?, "kind", "title", "minutes"}, ...]}``."""
    data = _require_mapping(payload)
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
        row = _require_mapping(item)
        kind = _choice(row, "kind", PhaseKind)
        minutes = _int(row, "minutes", minimum=0, maximum=PHASE_MAX_MINUTES, required=False) or 0
        parsed.append(
            AgendaItem(
                id=_int(row, "id", minimum=1, required=False),
                kind=kind,
                title=_text(row, "title", max_len=PHASE_TITLE_MAX) or "",
                duration_s=minutes * 60,
            )
        )
    return parsed


# --------------------------------------------------------------------- serialisers


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def epoch_ms(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def serialize_workshop(workshop: Workshop) -> dict[str, Any]:
    return {
        "id": workshop.id,
        "code": workshop.code,
        "title": workshop.title,
        "question": workshop.question,
        "territory": workshop.territory,
        "date": iso(workshop.date),
        "format": workshop.format,
        "status": workshop.status,
        "joining_open": workshop.joining_open,
        "anonymous": workshop.anonymous,
        "moderation": workshop.moderation,
        "participants_group": workshop.participants_group,
        "participants_qualify": workshop.participants_qualify,
        "current_phase_id": workshop.current_phase_id,
    }


def serialize_phase(phase: Phase) -> dict[str, Any]:
    """A phase of the agenda; a vote phase also carries its settings and its state."""
    caps = capabilities(phase)
    data: dict[str, Any] = {
        "id": phase.id,
        "position": phase.position,
        "kind": phase.kind,
        "title": phase.title,
        "duration_s": phase.duration_s,
        "can_post": caps.post_ideas,
        "can_edit": caps.edit_ideas,
        "can_vote": caps.vote,
    }
    if phase.kind == PhaseKind.VOTE:
        data["vote"] = {
            "settings": vote_settings(phase),
            "revealed": phase.revealed_at is not None or phase.frozen_at is not None,
            "frozen": phase.frozen_at is not None,
            "ranking": phase.frozen_ranking,
        }
    return data


def serialize_timer(workshop: Workshop) -> dict[str, Any]:
    """The timer as clients render it: they count down locally from ``ends_at``."""
    if workshop.timer_ends_at is not None:
        state = "running"
    elif workshop.timer_remaining_ms is not None:
        state = "paused"
    else:
        state = "stopped"
    return {
        "state": state,
        "duration_ms": workshop.timer_duration_ms,
        "ends_at": epoch_ms(workshop.timer_ends_at),
        "remaining_ms": workshop.timer_remaining_ms,
    }


def serialize_idea(
    idea: Idea, role: Role, *, anonymous: bool, viewer_id: int | None = None
) -> dict[str, Any]:
    """An idea as ``role`` may see it.

    Participants and screens get the author's pseudonym only when the workshop shows
    authors, and nothing but the id and status of an idea that is not visible, unless
    the viewer (``viewer_id``, a participant) is its author.
    """
    own = viewer_id is not None and idea.participant_id == viewer_id
    if role is not Role.FACILITATOR and idea.status != IdeaStatus.VISIBLE and not own:
        hidden: dict[str, Any] = {"id": idea.id, "status": idea.status}
        if idea.merged_into_id is not None:
            hidden["merged_into_id"] = idea.merged_into_id
        return hidden
    author = idea.author
    data: dict[str, Any] = {
        "id": idea.id,
        "title": idea.title,
        "description": idea.description,
        "need": idea.need,
        "status": idea.status,
        "created_at": iso(idea.created_at),
        "author": None
        if (anonymous and role is not Role.FACILITATOR) or author is None
        else author.display_name,
    }
    # Every full view carries the version, so an edit can be checked against it.
    data["version"] = idea.version
    data["challenge_id"] = idea.challenge_id
    data["position"] = idea.position
    data["merged_into_id"] = idea.merged_into_id
    if role is Role.FACILITATOR:
        data["participant_id"] = idea.participant_id
        data["author_profile"] = author.profile if author else None
        data["client_id"] = idea.client_id
    return data


def serialize_challenge(challenge: Challenge) -> dict[str, Any]:
    return {
        "id": challenge.id,
        "title": challenge.title,
        "description": challenge.description,
        "position": challenge.position,
        "version": challenge.version,
    }


def serialize_participant(participant: Participant) -> dict[str, Any]:
    """Facilitators only: a participant's pseudonym and profile (never the token)."""
    return {
        "id": participant.id,
        "display_name": participant.display_name,
        "profile": participant.profile,
        "created_at": iso(participant.created_at),
    }


# --------------------------------------------------------------------- qualification

QUALIFICATION_TEXT_MAX = 2000
CONTACT_NAME_MAX = 80
CONTACT_EMAIL_MAX = 254
CONTACT_PHONE_MAX = 30
# A commune's INSEE code: 5 digits (no department 00), or 2A/2B and 3 digits (Corsica).
INSEE_RE = re.compile(r"^(?:(?!00)[0-9]{5}|2[AB][0-9]{3})$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 .()-]{5,28}$")
TARGETS = ("challenge", "idea")
# The free-text fields of a qualification sheet, multi-line, and their limits.
QUALIFICATION_TEXTS: dict[str, int] = {
    "need_who": QUALIFICATION_TEXT_MAX,
    "need_where": QUALIFICATION_TEXT_MAX,
    "need_evidence": QUALIFICATION_TEXT_MAX,
    "target_public": QUALIFICATION_TEXT_MAX,
    "solution": QUALIFICATION_TEXT_MAX,
    "existing_offer": QUALIFICATION_TEXT_MAX,
    "partners": QUALIFICATION_TEXT_MAX,
    "economic_potential": QUALIFICATION_TEXT_MAX,
    "potential_holders": QUALIFICATION_TEXT_MAX,
    "next_step": QUALIFICATION_TEXT_MAX,
    "abandon_reason": QUALIFICATION_TEXT_MAX,
}
QUALIFICATION_FIELDS = (
    *QUALIFICATION_TEXTS,
    "territory",
    "insee_code",
    "maturity",
    "stage",
)


@dataclass(frozen=True)
class TargetRef:
    """A défi (``kind`` "challenge") or an idea (``kind`` "idea")."""

    kind: str
    id: int


@dataclass(frozen=True)
class QualificationEdit:
    """Changes to the sheet of ``target``: only the fields given are in ``changes``.

    ``version`` is the sheet's version the edit was made from (``0``: a new sheet).
    """

    target: TargetRef
    version: int
    changes: dict[str, Any]


@dataclass(frozen=True)
class VolunteerOffer:
    target: TargetRef
    kind: str
    consent_contact: bool
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True)
class VolunteerRef:
    target: TargetRef
    kind: str


def _target(data: dict[str, Any]) -> TargetRef:
    kind = data.get("target")
    if kind not in TARGETS:
        raise ValidationError(
            _("Please choose one of the options."), field="target", reason="choice"
        )
    target_id = _int(data, "target_id", minimum=1)
    assert target_id is not None  # noqa: S101
    return TargetRef(kind, target_id)


def parse_insee_code(value: Any) -> str | None:
    """An INSEE commune code, upper-cased; ``None`` for an empty value."""
    code = _text({"insee_code": value}, "insee_code", max_len=20).replace(" ", "").upper()
    if not code:
        return None
    if not INSEE_RE.match(code):
        raise InvalidInseeCode(field="insee_code", reason="format")
    return code


def _optional_choice(data: dict[str, Any], field: str, enum: type[StrEnum]) -> str | None:
    if data.get(field) in (None, ""):
        return None
    return _choice(data, field, enum)


def parse_qualification(payload: Any) -> QualificationEdit:
    """``{"target", "target_id", "version"?, <sheet fields>?}``: the fields present
    change, the others keep their value. An abandoned stage needs a reason in the
    payload; the service checks it against the stored sheet too."""
    data = _require_mapping(payload)
    target = _target(data)
    version = _int(data, "version", minimum=0, required=False) or 0
    changes: dict[str, Any] = {}
    for field, max_len in QUALIFICATION_TEXTS.items():
        if field in data:
            changes[field] = _text(data, field, max_len=max_len, multiline=True)
    if "territory" in data:
        changes["territory"] = _text(data, "territory", max_len=TERRITORY_MAX)
    if "insee_code" in data:
        changes["insee_code"] = parse_insee_code(data["insee_code"])
    if "maturity" in data:
        changes["maturity"] = _optional_choice(data, "maturity", Maturity)
    if "stage" in data:
        changes["stage"] = _choice(data, "stage", Stage)
        if changes["stage"] == Stage.ABANDONED and "abandon_reason" in data:
            if not changes["abandon_reason"]:
                raise AbandonReasonRequired(field="abandon_reason", reason="required")
    return QualificationEdit(target, version, changes)


def parse_volunteer_offer(payload: Any) -> VolunteerOffer:
    """``{"target", "target_id", "kind", "consent_contact"?, "contact_name"?,
    "contact_email"?, "contact_phone"?}``. Without consent, contact details are dropped:
    they are never stored."""
    data = _require_mapping(payload)
    target = _target(data)
    kind = _choice(data, "kind", VolunteerKind)
    consent = bool(_bool(data, "consent_contact"))
    if not consent:
        return VolunteerOffer(target, kind, False)
    name = _text(data, "contact_name", max_len=CONTACT_NAME_MAX)
    email = _text(data, "contact_email", max_len=CONTACT_EMAIL_MAX)
    if email:
        email = parse_email(email)
    phone = _text(data, "contact_phone", max_len=CONTACT_PHONE_MAX)
    if phone and not PHONE_RE.match(phone):
        raise ValidationError(
            _("This phone number is not valid."), field="contact_phone", reason="format"
        )
    if not email and not phone:
        raise ContactRequired(field="contact_email", reason="required")
    return VolunteerOffer(target, kind, True, name or None, email or None, phone or None)


def parse_volunteer_ref(payload: Any) -> VolunteerRef:
    """``{"target", "target_id", "kind"}``: one of the caller's offers."""
    data = _require_mapping(payload)
    return VolunteerRef(_target(data), _choice(data, "kind", VolunteerKind))


def target_of(item: Qualification | Volunteer) -> TargetRef:
    if item.challenge_id is not None:
        return TargetRef("challenge", item.challenge_id)
    assert item.idea_id is not None  # noqa: S101 - a CHECK constraint guarantees it
    return TargetRef("idea", item.idea_id)


def serialize_qualification(sheet: Qualification) -> dict[str, Any]:
    """A qualification sheet; the same for every role (it holds no personal data)."""
    target = target_of(sheet)
    data: dict[str, Any] = {
        "id": sheet.id,
        "target": target.kind,
        "target_id": target.id,
        "version": sheet.version,
        "updated_at": iso(sheet.updated_at),
    }
    for field in QUALIFICATION_FIELDS:
        data[field] = getattr(sheet, field)
    return data


def serialize_volunteer(volunteer: Volunteer, *, with_name: bool = True) -> dict[str, Any]:
    """One offer, for facilitators or for the participant who made it (never for the
    room): the contact details only while consent is given."""
    target = target_of(volunteer)
    data: dict[str, Any] = {
        "id": volunteer.id,
        "target": target.kind,
        "target_id": target.id,
        "kind": volunteer.kind,
        "consent_contact": volunteer.consent_contact,
        "contact": {
            "name": volunteer.contact_name,
            "email": volunteer.contact_email,
            "phone": volunteer.contact_phone,
        }
        if volunteer.consent_contact
        else None,
        "created_at": iso(volunteer.created_at),
    }
    if with_name:
        data["participant_id"] = volunteer.participant_id
        data["display_name"] = volunteer.participant.display_name
    return data
