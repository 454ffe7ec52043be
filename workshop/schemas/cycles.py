"""Cycle payloads: a new cycle (from a preset), its settings, a session, an enrolment,
the note d'intention's template, the feedback kinds, the questionnaires and their answers.

The defaults a new cycle starts from are here too (:func:`default_intention_template`,
:func:`default_feedback_kinds`, :func:`default_criteria`): like a committee's grid, they
are stored in the language of the facilitator who creates the cycle, and are the cycle's
own words from then on. A feedback kind whose label is ``""`` is named by
:data:`FEEDBACK_KIND_LABELS` (translated where it is shown).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..errors import ValidationError
from ..models import CyclePreset, Profile
from .fields import (
    DESCRIPTION_MAX,
    DISPLAY_NAME_MAX,
    TERRITORY_MAX,
    TITLE_MAX,
    boolean,
    choice,
    integer,
    parse_email,
    require_mapping,
    text,
)

THEME_MAX = 140
ORGANISER_MAX = 140
ORGANISER_CONTACT_MAX = 254
RETENTION_MAX_DAYS = 3650
SESSIONS_MIN = 1
SESSIONS_MAX = 20
#: The Idéateur's weekly sessions by default: two months, the last a pitch day.
IDEATEUR_SESSIONS = 8
SECTION_LABEL_MAX = 80
SECTION_PROMPT_MAX = 300
SECTIONS_MAX = 12
KIND_LABEL_MAX = 60
KINDS_MAX = 8
QUESTION_LABEL_MAX = 300
QUESTIONS_MAX = 20
CHOICE_MAX = 80
CHOICES_MAX = 10
ANSWER_TEXT_MAX = 1000
KEY_MAX = 40


class QuestionKind(StrEnum):
    """The kinds of a questionnaire's question."""

    SCALE = "scale"  # 1 (pas du tout) … 5 (tout à fait)
    TEXT = "text"  # a short text
    CHOICE = "choice"  # one of the question's choices


class Moment(StrEnum):
    """When a cycle's questionnaire is answered."""

    START = "start"  # at enrolment
    END = "end"  # at the end of the cycle


SCALE = (1, 2, 3, 4, 5)

#: The default feedback kinds: key → label (a cycle's kind whose label is "").
FEEDBACK_KIND_LABELS: dict[str, Any] = {
    "likes": _l("What I like"),
    "questions": _l("My questions"),
    "suggestions": _l("My suggestions"),
    "resources": _l("I know someone / a resource"),
}

#: The note d'intention's default sections: (key, label, prompt).
DEFAULT_SECTIONS: tuple[tuple[str, Any, Any], ...] = (
    (
        "besoin",
        _l("Need and public"),
        _l("Which need does the project answer, for whom, and how do you know?"),
    ),
    (
        "modele-economique",
        _l("Economic model"),
        _l("Who pays for what? Which resources make the activity last?"),
    ),
    (
        "gouvernance",
        _l("Governance"),
        _l("Who decides, and how are users, volunteers and partners involved?"),
    ),
    (
        "impact",
        _l("Impact indicators"),
        _l("What will show that the project changes something, and how will you measure it?"),
    ),
)

#: Sections a preset's session themes need beyond :data:`DEFAULT_SECTIONS` (same labels
#: as the themes of :mod:`workshop.phases`, so « mon projet » highlights them).
PRESET_SECTIONS: dict[str, tuple[tuple[str, Any, Any], ...]] = {
    CyclePreset.LANCE_TOI.value: (
        (
            "charte-sociale",
            _l("Social charter"),
            _l("Which values and social purpose does the project commit to, and with whom?"),
        ),
    ),
    CyclePreset.IDEATEUR.value: (
        (
            "partenaires",
            _l("Partners and resources"),
            _l("Who could help: partners, places, funding, skills?"),
        ),
    ),
}

#: The jury's default grid: (key, label, description).
DEFAULT_CRITERIA: tuple[tuple[str, Any, Any], ...] = (
    ("besoin", _l("Need"), _l("Is there a real need, and is it known?")),
    ("innovation", _l("Innovation"), _l("What does the project bring that does not exist yet?")),
    ("faisabilite", _l("Feasibility"), _l("Can it be done with reasonable means and time?")),
    (
        "engagement",
        _l("Holder's commitment"),
        _l("Is the holder ready to carry it, and surrounded to do so?"),
    ),
    (
        "ancrage-territorial",
        _l("Territorial roots"),
        _l("Does it rely on local resources, people and partners?"),
    ),
)

#: The labels of the presets, as the facilitator picks one.
PRESET_LABELS: dict[str, Any] = {
    CyclePreset.LANCE_TOI: _l("« Lance-toi ! »: four themed workshops"),
    CyclePreset.IDEATEUR: _l("Idéateur: weekly sessions ending in a pitch day"),
    CyclePreset.JURY: _l("A jury session alone"),
    CyclePreset.CUSTOM: _l("Empty cycle: I add the sessions myself"),
}

QUESTION_KIND_LABELS: dict[str, Any] = {
    QuestionKind.SCALE: _l("Scale from 1 to 5"),
    QuestionKind.TEXT: _l("Short text"),
    QuestionKind.CHOICE: _l("One choice among several"),
}

MOMENT_LABELS: dict[str, Any] = {
    Moment.START: _l("At enrolment"),
    Moment.END: _l("At the end of the cycle"),
}


def default_intention_template(preset: str | None = None) -> list[dict[str, str]]:
    """The note d'intention's sections, in the current language: the defaults, plus a
    section for each theme of ``preset``'s sessions that none of them covers (« Charte
    sociale » of « Lance-toi ! », « Partenaires et ressources » of the Idéateur), so that
    every themed session has its part of « mon projet »."""
    extra = PRESET_SECTIONS.get(preset or "", ())
    return [
        {"key": key, "label": str(label), "prompt": str(prompt)}
        for key, label, prompt in (*extra, *DEFAULT_SECTIONS)
    ]


def default_feedback_kinds() -> list[dict[str, str]]:
    """The four feedback kinds, named by :data:`FEEDBACK_KIND_LABELS` (label "")."""
    return [{"key": key, "label": ""} for key in FEEDBACK_KIND_LABELS]


def feedback_kind_label(kind: dict[str, Any]) -> str:
    """How a feedback kind of a cycle is named: its own label, else the default's."""
    label = str(kind.get("label") or "")
    if label:
        return label
    default = FEEDBACK_KIND_LABELS.get(str(kind.get("key")))
    return str(default) if default is not None else str(kind.get("key") or "")


def default_criteria() -> list[dict[str, str]]:
    """The jury's grid of a new cycle, in the current language."""
    return [
        {"key": key, "label": str(label), "description": str(description)}
        for key, label, description in DEFAULT_CRITERIA
    ]


def make_key(label: str, taken: set[str], fallback: str) -> str:
    """A stable key made from ``label`` (« Modèle économique » gives
    ``modele-economique``), not one of ``taken``."""
    plain = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[: KEY_MAX - 4] or fallback
    key, number = base, 2
    while key in taken:
        key = f"{base}-{number}"
        number += 1
    return key


# ------------------------------------------------------------------- the cycle


@dataclass(frozen=True)
class NewCycle:
    """A cycle to create. A preset (other than ``custom``) also creates its sessions,
    one week apart from ``start_date``; ``sessions`` is the Idéateur's number of
    weekly sessions (its last one the pitch day)."""

    title: str
    preset: str = CyclePreset.CUSTOM
    description: str = ""
    territory: str = ""
    start_date: dt.date | None = None
    sessions: int | None = None
    organiser: str = ""
    organiser_contact: str = ""
    retention_days: int | None = None


@dataclass(frozen=True)
class CycleSettings:
    """What the cycle's form changes besides its sessions and people."""

    title: str
    description: str
    territory: str
    organiser: str
    organiser_contact: str
    retention_days: int | None
    feedback_signed: bool


@dataclass(frozen=True)
class SessionForm:
    """A session of the cycle: a workshop with its own date, place and theme."""

    title: str
    date: dt.date | None
    territory: str
    theme: str


def _date(data: dict[str, Any], name: str, *, required: bool = False) -> dt.date | None:
    raw = data.get(name)
    if isinstance(raw, dt.date):
        return raw
    value = text(data, name, max_len=10, required=required)
    if not value:
        return None
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise ValidationError(
        _("Give a date as day, month and year (for example 2027-01-14)."),
        field=name,
        reason="format",
    )


def _retention(data: dict[str, Any]) -> int | None:
    if data.get("retention_days") in (None, ""):
        return None
    return integer(data, "retention_days", minimum=1, maximum=RETENTION_MAX_DAYS)


def parse_new_cycle(payload: Any) -> NewCycle:
    """``{"title", "preset", "description", "territory", "start_date", "sessions",
    "organiser", "organiser_contact", "retention_days"}``: a preset other than
    ``custom`` needs its start date."""
    data = require_mapping(payload)
    title = text(data, "title", max_len=TITLE_MAX, required=True)
    preset = choice(data, "preset", CyclePreset) if data.get("preset") else CyclePreset.CUSTOM
    start = _date(data, "start_date", required=preset != CyclePreset.CUSTOM)
    sessions = None
    if preset == CyclePreset.IDEATEUR:
        sessions = (
            integer(data, "sessions", minimum=2, maximum=SESSIONS_MAX, required=False)
            or IDEATEUR_SESSIONS
        )
    return NewCycle(
        title=title,
        preset=preset,
        description=text(data, "description", max_len=DESCRIPTION_MAX, multiline=True),
        territory=text(data, "territory", max_len=TERRITORY_MAX),
        start_date=start,
        sessions=sessions,
        organiser=text(data, "organiser", max_len=ORGANISER_MAX),
        organiser_contact=text(data, "organiser_contact", max_len=ORGANISER_CONTACT_MAX),
        retention_days=_retention(data),
    )


def parse_cycle_settings(payload: Any) -> CycleSettings:
    """The cycle's description and privacy notice, and whether feedback is signed."""
    data = require_mapping(payload)
    return CycleSettings(
        title=text(data, "title", max_len=TITLE_MAX, required=True),
        description=text(data, "description", max_len=DESCRIPTION_MAX, multiline=True),
        territory=text(data, "territory", max_len=TERRITORY_MAX),
        organiser=text(data, "organiser", max_len=ORGANISER_MAX),
        organiser_contact=text(data, "organiser_contact", max_len=ORGANISER_CONTACT_MAX),
        retention_days=_retention(data),
        feedback_signed=bool(boolean(data, "feedback_signed")),
    )


def parse_session(payload: Any) -> SessionForm:
    """``{"title", "date", "territory", "theme"}``: a session of the cycle."""
    data = require_mapping(payload)
    return SessionForm(
        title=text(data, "title", max_len=TITLE_MAX, required=True),
        date=_date(data, "date"),
        territory=text(data, "territory", max_len=TERRITORY_MAX),
        theme=text(data, "theme", max_len=THEME_MAX),
    )


# ------------------------------------------------------------------ enrolment


@dataclass(frozen=True)
class NewEnrolment:
    """A person enrolled in a cycle: a name (a pseudonym will do), a profile, and an
    email only if they choose to give one."""

    display_name: str
    profile: str = Profile.PROJECT_HOLDER
    email: str | None = None


def parse_enrolment(payload: Any) -> NewEnrolment:
    """``{"display_name", "profile"?, "email"?}`` (the profile defaults to holder)."""
    data = require_mapping(payload)
    name = text(data, "display_name", max_len=DISPLAY_NAME_MAX, required=True)
    profile = choice(data, "profile", Profile) if data.get("profile") else Profile.PROJECT_HOLDER
    raw_email = text(data, "email", max_len=254)
    email = parse_email(raw_email) if raw_email else None
    return NewEnrolment(display_name=name, profile=profile, email=email)


def parse_co_facilitator(payload: Any) -> str:
    """``{"email"}``: the account to add to the cycle's team."""
    return parse_email(require_mapping(payload).get("email"))


# -------------------------------------------------- template, kinds, questions


@dataclass(frozen=True)
class Row:
    """One row of a list the facilitator edits (a section, a kind, a question)."""

    key: str | None
    label: str
    extra: dict[str, Any] = field(default_factory=dict)


def _rows(rows: Any, name: str, maximum: int, existing: list[dict[str, Any]]) -> list[Row]:
    """The common part of the list editors: a row keeps its key when it is one of
    ``existing``; an empty new row is ignored; a removed row is dropped; at most
    ``maximum``; no label twice."""
    if not isinstance(rows, list):
        raise ValidationError(_("The request is not in the expected format."), field=name)
    known = {str(row.get("key")) for row in existing}
    seen: set[str] = set()
    kept: list[Row] = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise ValidationError(_("The request is not in the expected format."), field=name)
        key = row.get("key") or None
        if key is not None and (not isinstance(key, str) or key not in known or key in seen):
            raise ValidationError(_("The request is not in the expected format."), field=name)
        if key is not None:
            seen.add(key)
        if row.get("remove") in ("1", "on", True):
            continue
        label_field = f"{name}-label-{index}"
        label = text({label_field: row.get("label")}, label_field, max_len=QUESTION_LABEL_MAX)
        kept.append(Row(key, label, {**row, "index": index}))
    if len(kept) > maximum:
        raise ValidationError(
            _("This list has %(max)d lines at most.", max=maximum), field=name, reason="too_many"
        )
    labels = [row.label.casefold() for row in kept if row.label]
    if len(set(labels)) != len(labels):
        raise ValidationError(_("Two lines have the same name."), field=name, reason="duplicate")
    return kept


def _with_keys(rows: list[Row], fallback: str) -> list[tuple[str, Row]]:
    taken = {row.key for row in rows if row.key}
    keyed = []
    for row in rows:
        key = row.key
        if key is None:
            key = make_key(row.label, taken, fallback)
            taken.add(key)
        keyed.append((key, row))
    return keyed


def _limited(value: Any, name: str, max_len: int, *, multiline: bool = False) -> str:
    return text({name: value}, name, max_len=max_len, multiline=multiline)


def parse_intention_template(rows: Any, existing: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The note d'intention's sections: ``[{"key"?, "label", "prompt", "remove"?}]``.
    At least one section, at most :data:`SECTIONS_MAX`; a kept section keeps its key
    (the holders' texts refer to it)."""
    kept = [
        row
        for row in _rows(rows, "sections", SECTIONS_MAX, existing)
        if row.label or row.key is not None or row.extra.get("prompt")
    ]
    sections = []
    for key, row in _with_keys(kept, "section"):
        index = row.extra["index"]
        if not row.label:
            raise ValidationError(
                _("Give each section a name (or tick « remove »)."),
                field=f"sections-label-{index}",
                reason="required",
            )
        if len(row.label) > SECTION_LABEL_MAX:
            raise ValidationError(
                _("This field is too long (%(max)d characters at most).", max=SECTION_LABEL_MAX),
                field=f"sections-label-{index}",
                reason="too_long",
                max=SECTION_LABEL_MAX,
            )
        prompt = _limited(row.extra.get("prompt"), f"sections-prompt-{index}", SECTION_PROMPT_MAX)
        sections.append({"key": key, "label": row.label, "prompt": prompt})
    if not sections:
        raise ValidationError(
            _("The note d'intention needs at least one section."),
            field="sections",
            reason="empty",
        )
    return sections


def parse_feedback_kinds(rows: Any, existing: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The feedback kinds: ``[{"key"?, "label", "remove"?}]``. A default kind keeps
    ``""`` when its label is left as the default's (so it follows the language); at
    least one kind, at most :data:`KINDS_MAX`."""
    kept = [row for row in _rows(rows, "kinds", KINDS_MAX, existing) if row.label or row.key]
    kinds = []
    for key, row in _with_keys(kept, "kind"):
        index = row.extra["index"]
        if not row.label:
            raise ValidationError(
                _("Give each kind a name (or tick « remove »)."),
                field=f"kinds-label-{index}",
                reason="required",
            )
        if len(row.label) > KIND_LABEL_MAX:
            raise ValidationError(
                _("This field is too long (%(max)d characters at most).", max=KIND_LABEL_MAX),
                field=f"kinds-label-{index}",
                reason="too_long",
                max=KIND_LABEL_MAX,
            )
        default = FEEDBACK_KIND_LABELS.get(key)
        label = "" if default is not None and row.label == str(default) else row.label
        kinds.append({"key": key, "label": label})
    if not kinds:
        raise ValidationError(_("Feedback needs at least one kind."), field="kinds", reason="empty")
    return kinds


def parse_questions(rows: Any, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A questionnaire: ``[{"key"?, "label", "kind", "choices"?, "remove"?}]``;
    ``choices`` one per line for a choice question (two at least). An empty list is a
    questionnaire nobody is asked."""
    kept = [
        row
        for row in _rows(rows, "questions", QUESTIONS_MAX, existing)
        if row.label or row.key is not None
    ]
    questions: list[dict[str, Any]] = []
    for key, row in _with_keys(kept, "question"):
        index = row.extra["index"]
        if not row.label:
            raise ValidationError(
                _("Give each question its text (or tick « remove »)."),
                field=f"questions-label-{index}",
                reason="required",
            )
        kind = choice({"kind": row.extra.get("kind")}, "kind", QuestionKind)
        question: dict[str, Any] = {"key": key, "label": row.label, "kind": kind}
        if kind == QuestionKind.CHOICE:
            raw = _limited(
                row.extra.get("choices"),
                f"questions-choices-{index}",
                CHOICES_MAX * (CHOICE_MAX + 1),
                multiline=True,
            )
            options = [" ".join(line.split()) for line in raw.split("\n") if line.strip()]
            if len(options) < 2 or len(options) > CHOICES_MAX:
                raise ValidationError(
                    _(
                        "A choice question needs from 2 to %(max)d choices, one per line.",
                        max=CHOICES_MAX,
                    ),
                    field=f"questions-choices-{index}",
                    reason="choices",
                )
            if any(len(option) > CHOICE_MAX for option in options) or len(
                {o.casefold() for o in options}
            ) != len(options):
                raise ValidationError(
                    _(
                        "Each choice is different and short (%(max)d characters at most).",
                        max=CHOICE_MAX,
                    ),
                    field=f"questions-choices-{index}",
                    reason="choices",
                )
            question["choices"] = options
        questions.append(question)
    return questions


def editor_rows(form: Any, prefix: str, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """A list editor's rows from a posted form: ``<prefix>-key``, ``<prefix>-<field>``
    repeated in order, ``<prefix>-remove`` naming the keys ticked to remove."""
    keys = form.getlist(f"{prefix}-key")
    columns = {name: form.getlist(f"{prefix}-{name}") for name in fields}
    removed = set(form.getlist(f"{prefix}-remove"))
    if any(len(values) != len(keys) for values in columns.values()):
        raise ValidationError(_("The request is not in the expected format."), field=prefix)
    return [
        {
            "key": key,
            **{name: columns[name][i] for name in fields},
            "remove": bool(key) and key in removed,
        }
        for i, key in enumerate(keys)
    ]


# ------------------------------------------------------------------- answers


def parse_answers(payload: Any, questions: list[dict[str, Any]]) -> dict[str, Any]:
    """A person's answers to ``questions``: ``q-<key>`` for each, all optional: a
    scale's 1–5, a text, one of a choice question's choices. Unanswered questions are
    left out."""
    data = require_mapping(payload)
    answers: dict[str, Any] = {}
    for question in questions:
        key = str(question.get("key"))
        name = f"q-{key}"
        value = data.get(name)
        if value in (None, ""):
            continue
        kind = question.get("kind")
        if kind == QuestionKind.SCALE:
            answers[key] = integer(data, name, minimum=1, maximum=5)
        elif kind == QuestionKind.CHOICE:
            options = [str(option) for option in question.get("choices") or []]
            if not isinstance(value, str) or value not in options:
                raise ValidationError(
                    _("Please choose one of the options."), field=name, reason="choice"
                )
            answers[key] = value
        else:
            answer = text(data, name, max_len=ANSWER_TEXT_MAX, multiline=True)
            if answer:
                answers[key] = answer
    return answers
