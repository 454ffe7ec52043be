"""Facilitator accounts: sign-up payloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from ..errors import ValidationError
from .fields import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    parse_email,
    require_mapping,
    text,
)


@dataclass(frozen=True)
class NewFacilitator:
    email: str
    name: str
    password: str


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
    data = require_mapping(payload)
    email = parse_email(data.get("email"))
    name = text(data, "name", max_len=80) or email.split("@")[0]
    return NewFacilitator(email=email, name=name, password=parse_password(data.get("password")))
