"""Idea boxes' payloads: a box as members set it up, what an inhabitant posts in it, a
need relayed by a partner, a moderated title, and projects taken into a workshop.

The public form's texts go through the same readers and limits as a workshop's ideas
(:func:`~workshop.schemas.ideas.parse_new_idea`): an idea posted in a box can become an
imported idea of a live workshop without being cut or cleaned again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from .fields import (
    DISPLAY_NAME_MAX,
    TERRITORY_MAX,
    TITLE_MAX,
    boolean,
    choice,
    identifier,
    parse_email,
    require_mapping,
    text,
)
from .ideas import parse_new_idea
from .portfolio import SLUG, suggest_slug

BOX_TITLE_MAX = 140
BOX_INTRO_MAX = 2000
BOX_SLUG_MAX = 60
CAMPAIGN_MAX = 80
CONTACT_MAX = 300
SOURCE_NAME_MAX = 140
RELAYER_CONTACT_MAX = 300
#: Projects one « take into a workshop » may carry at once.
INTO_WORKSHOP_MAX = 200
#: The public form's honeypot: a field people never see, that robots fill in.
HONEYPOT_FIELD = "website"


class Nature(StrEnum):
    """What an inhabitant posts: « c'est plutôt » an idea or a need."""

    IDEA = "idea"
    NEED = "need"


class SourceKind(StrEnum):
    """Who relayed a need to the Fabrique."""

    COLLECTIVITE = "collectivite"
    ASSOCIATION = "association"
    COMPANY = "company"
    OTHER = "other"


@dataclass(frozen=True)
class BoxForm:
    """An idea box as a member creates or edits it."""

    title: str
    slug: str
    intro: str = ""
    territory: str = ""
    campaign: str = ""
    open: bool = True
    premoderation: bool = True
    contact: str = ""


@dataclass(frozen=True)
class BoxPost:
    """What an inhabitant posts in a box. ``email`` is only ever given with the consent
    to be kept informed (``follow``); ``author_name`` is ``None`` when anonymous."""

    title: str
    description: str
    nature: str
    author_name: str | None = None
    email: str | None = None
    #: Robots fill in the honeypot: such a post is answered as any other, and dropped.
    robot: bool = False

    @property
    def follow(self) -> bool:
        return self.email is not None


@dataclass(frozen=True)
class RelayedNeed:
    """A need relayed by a collectivité, an association or a company, entered by a
    member; ``relayer_contact`` is kept for the members only."""

    title: str
    description: str
    source_kind: str
    source_name: str
    territory: str = ""
    campaign: str = ""
    relayer_contact: str = ""


@dataclass(frozen=True)
class IntoWorkshop:
    """Projects to take into a live workshop as imported ideas."""

    project_ids: tuple[int, ...]
    workshop_id: int


def _checkbox(data: dict[str, Any], field: str) -> bool:
    """A checkbox: present (any of the usual yes values) or absent (no)."""
    value = data.get(field)
    if value in (None, ""):
        return False
    return bool(boolean(data, field))


def parse_box_form(payload: Any) -> BoxForm:
    """The members' form of a box: its title, the short name of its address (made from
    the title when left empty), an intro, territory, campaign, whether it is open and
    premoderated (checkboxes), and who answers for the data posted in it."""
    data = require_mapping(payload)
    title = text(data, "title", max_len=BOX_TITLE_MAX, required=True)
    slug = text(data, "slug", max_len=BOX_SLUG_MAX).lower() or suggest_slug(title)
    if not slug or not SLUG.fullmatch(slug):
        raise ValidationError(
            _("Use only lower-case letters, digits and hyphens (for example idees-privas)."),
            field="slug",
            reason="format",
        )
    return BoxForm(
        title=title,
        slug=slug,
        intro=text(data, "intro", max_len=BOX_INTRO_MAX, multiline=True),
        territory=text(data, "territory", max_len=TERRITORY_MAX),
        campaign=text(data, "campaign", max_len=CAMPAIGN_MAX),
        open=_checkbox(data, "open"),
        premoderation=_checkbox(data, "premoderation"),
        contact=text(data, "contact", max_len=CONTACT_MAX),
    )


def parse_box_post(payload: Any) -> BoxPost:
    """The public form « Une idée, un besoin ? »: a short title and a description (the
    limits and cleaning of a workshop's ideas), idea or need, an optional name, and an
    optional email kept only with the box ticked to be kept informed."""
    data = require_mapping(payload)
    idea = parse_new_idea(
        {
            # A workshop's idea needs an identifier; a post gets a fresh one.
            "client_id": secrets.token_urlsafe(12),
            "title": data.get("title"),
            "description": data.get("description"),
        }
    )
    nature = choice(data, "nature", Nature) if data.get("nature") else Nature.IDEA.value
    name = text(data, "name", max_len=DISPLAY_NAME_MAX)
    follow = _checkbox(data, "follow")
    raw_email = text(data, "email", max_len=254)
    email: str | None = None
    if follow and not raw_email:
        raise ValidationError(
            _("To be kept informed, give your email address."), field="email", reason="required"
        )
    if raw_email and not follow:
        raise ValidationError(
            _(
                "Tick « Keep me informed of this project » to give your email address, "
                "or leave it empty: it is kept for nothing else."
            ),
            field="follow",
            reason="consent_required",
        )
    if follow:
        email = parse_email(raw_email)
    return BoxPost(
        title=idea.title,
        description=idea.description,
        nature=nature,
        author_name=name or None,
        email=email,
        robot=bool(str(data.get(HONEYPOT_FIELD) or "").strip()),
    )


def parse_relayed_need(payload: Any) -> RelayedNeed:
    """The members' form of a need relayed by a partner: the need (title and
    description, as an idea's), territory, campaign, the source's kind and name, and an
    optional contact of the person who relayed it."""
    data = require_mapping(payload)
    idea = parse_new_idea(
        {
            "client_id": secrets.token_urlsafe(12),
            "title": data.get("title"),
            "description": data.get("description"),
        }
    )
    return RelayedNeed(
        title=idea.title,
        description=idea.description,
        source_kind=choice(data, "source_kind", SourceKind),
        source_name=text(data, "source_name", max_len=SOURCE_NAME_MAX, required=True),
        territory=text(data, "territory", max_len=TERRITORY_MAX),
        campaign=text(data, "campaign", max_len=CAMPAIGN_MAX),
        relayer_contact=text(data, "relayer_contact", max_len=RELAYER_CONTACT_MAX, multiline=True),
    )


def parse_title_edit(payload: Any) -> str:
    """A moderator's clearer title for a posted idea (an idea's title limits)."""
    return text(require_mapping(payload), "title", max_len=TITLE_MAX, required=True)


def parse_into_workshop(project_ids: Any, workshop_id: Any) -> IntoWorkshop:
    """The « take into a workshop » form: the ticked projects (a list of ids, each
    once) and the workshop chosen."""
    if not isinstance(project_ids, list | tuple) or len(project_ids) > INTO_WORKSHOP_MAX:
        raise ValidationError(
            _("Choose at most %(max)d projects at once.", max=INTO_WORKSHOP_MAX),
            field="project",
            reason="too_many",
        )
    ids: list[int] = []
    for value in project_ids:
        project_id = identifier({"project": value}, "project")
        if project_id is not None and project_id not in ids:
            ids.append(project_id)
    if not ids:
        raise ValidationError(
            _("Tick at least one project to take into the workshop."),
            field="project",
            reason="required",
        )
    chosen = identifier({"workshop": workshop_id}, "workshop", required=False)
    if chosen is None:
        raise ValidationError(
            _("Choose the workshop to take them into."), field="workshop", reason="required"
        )
    return IntoWorkshop(project_ids=tuple(ids), workshop_id=chosen)
