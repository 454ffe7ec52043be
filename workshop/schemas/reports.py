"""Report and « carnet de projets » payloads: the report's period, territory and
campaign; the carnet's introduction; a project's place in the carnet."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from .fields import TERRITORY_MAX, boolean, require_mapping, text

CAMPAIGN_MAX = 80  # Project.campaign, IdeaBox.campaign
CARNET_INTRO_MAX = 4000
PUBLIC_SUMMARY_MAX = 2000
# Reports cover the years people run sessions in; a bound also keeps the day after the
# period's end a valid date.
FIRST_YEAR = 1990
LAST_YEAR = 2100
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@dataclass(frozen=True)
class ReportQuery:
    """What a report covers: the days from ``start`` to ``end`` (both included), and a
    territory and a campaign (``""``: all)."""

    start: dt.date
    end: dt.date
    territory: str = ""
    campaign: str = ""


@dataclass(frozen=True)
class Publication:
    """Whether a project is shown in the carnet, and what the carnet says of it."""

    published: bool
    public_summary: str


def _date(payload: dict[str, Any], field: str, default: dt.date) -> dt.date:
    """A day as a date field sends it (``2026-03-21``) or as people type it
    (``21/03/2026``); ``default`` when left empty."""
    value = text(payload, field, max_len=20)
    if not value:
        return default
    iso = _ISO_DATE.fullmatch(value)
    french = _FRENCH_DATE.fullmatch(value)
    try:
        if iso:
            day = dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        elif french:
            day = dt.date(int(french[3]), int(french[2]), int(french[1]))
        else:
            raise ValueError(value)
    except ValueError:
        raise ValidationError(
            _("This is not a date: write it as 21/03/2026."), field=field, reason="format"
        ) from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(
            _(
                "Choose a date between %(first)d and %(last)d.",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            ),
            field=field,
            reason="range",
        )
    return day


def parse_report_query(payload: Any, today: dt.date) -> ReportQuery:
    """The report form (``start``, ``end``, ``territory``, ``campaign``): the period
    defaults to ``today``'s calendar year; the end may not come before the start."""
    data = require_mapping(payload)
    start = _date(data, "start", dt.date(today.year, 1, 1))
    end = _date(data, "end", dt.date(today.year, 12, 31))
    if end < start:
        raise ValidationError(
            _("The end of the period comes before its start."), field="end", reason="order"
        )
    return ReportQuery(
        start=start,
        end=end,
        territory=text(data, "territory", max_len=TERRITORY_MAX),
        campaign=text(data, "campaign", max_len=CAMPAIGN_MAX),
    )


def parse_carnet_intro(payload: Any) -> str:
    """The carnet's introduction (``intro``), a few paragraphs."""
    return text(require_mapping(payload), "intro", max_len=CARNET_INTRO_MAX, multiline=True)


def parse_publication(payload: Any) -> Publication:
    """A project's place in the carnet: ``published`` (a checkbox: absent is no) and its
    ``public_summary``."""
    data = require_mapping(payload)
    return Publication(
        published=bool(boolean(data, "published")),
        public_summary=text(data, "public_summary", max_len=PUBLIC_SUMMARY_MAX, multiline=True),
    )
