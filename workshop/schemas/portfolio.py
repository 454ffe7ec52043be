"""Portfolio payloads: a new Fabrique (and its members), an API token's name, a follow-up
stage change."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from ..stages import STAGES, abandon_reason_for
from .fields import integer, parse_email, require_mapping, text

SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?")
TOKEN_NAME_MAX = 80
ABANDON_REASON_MAX = 2000


@dataclass(frozen=True)
class NewFabrique:
    slug: str
    name: str


@dataclass(frozen=True)
class StageChange:
    idea_id: int
    stage: str
    abandon_reason: str
    version: int


def parse_new_fabrique(payload: Any) -> NewFabrique:
    """``{"slug", "name"}``: a slug of lower-case letters, digits and hyphens."""
    data = require_mapping(payload)
    slug = text(data, "slug", max_len=60, required=True).lower()
    if not SLUG.fullmatch(slug):
        raise ValidationError(
            _("Use only lower-case letters, digits and hyphens (for example fabrique-ardeche)."),
            field="slug",
            reason="format",
        )
    return NewFabrique(slug=slug, name=text(data, "name", max_len=140) or slug)


def suggest_slug(name: str) -> str:
    """A short name for a Fabrique's address made from its ``name``: « Fabrique
    d'initiatives Ardèche » gives ``fabrique-d-initiatives-ardeche`` (empty when the name
    has no letter or digit of the Latin alphabet)."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return slug[:60].rstrip("-")


def parse_fabrique_form(payload: Any) -> NewFabrique:
    """The « new Fabrique » form: ``{"name", "slug"}``, the short name of its address
    made from the name when left empty."""
    data = require_mapping(payload)
    name = text(data, "name", max_len=140, required=True)
    slug = text(data, "slug", max_len=60) or suggest_slug(name)
    if not slug:
        raise ValidationError(
            _("Choose a short name for its address (for example fabrique-ardeche)."),
            field="slug",
            reason="required",
        )
    return parse_new_fabrique({"slug": slug, "name": name})


def parse_member_email(payload: Any) -> str:
    """The « add a member » form: ``{"email"}`` of an existing facilitator account."""
    return parse_email(require_mapping(payload).get("email"))


def parse_token_name(name: Any) -> str:
    """An API token's label, as its members will recognise it in the list."""
    return text({"name": name}, "name", max_len=TOKEN_NAME_MAX, required=True)


def parse_stage_change(payload: Any) -> StageChange:
    """``{"idea_id", "stage", "abandon_reason", "version"}`` (a reason to abandon)."""
    data = require_mapping(payload)
    stage = data.get("stage")
    if stage not in STAGES:
        raise ValidationError(
            _("Please choose one of the options."), field="stage", reason="choice"
        )
    reason = text(data, "abandon_reason", max_len=ABANDON_REASON_MAX, multiline=True)
    return StageChange(
        idea_id=integer(data, "idea_id", minimum=1) or 0,
        stage=stage,
        abandon_reason=abandon_reason_for(stage, reason),
        version=integer(data, "version", minimum=1) or 0,
    )
