"""Field helpers shared by every parser: limits, and typed readers of one field.

Each reader takes the payload mapping and a field name, and raises
:class:`~workshop.errors.ValidationError` naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError

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

# New workshops get 8 characters: 31**8 ≈ 8.5e11 codes, sized with JOIN_GUESS_LIMIT so
# that an address guessing all day finds one of 1,000 open workshops with probability
# below 1e-6 (the arithmetic: views/participant.py). Workshops made before keep their
# 6-character codes, so both lengths are read.
CODE_LENGTH = 8

CODE_LENGTHS = (6, 8)

INT_MAX = 2**31 - 1


def require_mapping(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ValidationError(_("The request is not in the expected format."), field=None)
    return payload


def text(
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


def integer(
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


def boolean(payload: dict[str, Any], field: str) -> bool | None:
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


def choice(payload: dict[str, Any], field: str, enum: type[StrEnum]) -> str:
    value = payload.get(field)
    if not isinstance(value, str) or value not in {m.value for m in enum}:
        raise ValidationError(_("Please choose one of the options."), field=field, reason="choice")
    return value


def optional_choice(data: dict[str, Any], field: str, enum: type[StrEnum]) -> str | None:
    if data.get(field) in (None, ""):
        return None
    return choice(data, field, enum)


def identifier(data: dict[str, Any], field: str, *, required: bool = True) -> int | None:
    return integer(data, field, minimum=1, required=required)


def id_list(data: dict[str, Any], field: str, *, max_len: int = 5000) -> list[int]:
    values = data.get(field)
    if not isinstance(values, list) or len(values) > max_len:
        raise ValidationError(_("This field must be a list."), field=field, reason="type")
    ids = [identifier({field: value}, field) for value in values]
    if len(set(ids)) != len(ids):
        raise ValidationError(_("An item appears twice."), field=field, reason="duplicate")
    return [i for i in ids if i is not None]


def parse_email(value: Any) -> str:
    email = text({"email": value}, "email", max_len=254, required=True).lower()
    if not EMAIL_RE.match(email):
        raise ValidationError(_("This email address is not valid."), field="email", reason="format")
    return email
