"""Checking an export against ``docs/export.schema.json`` and its integrity digest."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

from ..errors import ValidationError
from .document import FORMAT, digest

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
SCHEMA_PATH = DOCS / "export.schema.json"
TABLE_SCHEMA_DIR = DOCS / "tableschema"
DATAPACKAGE_PATH = DOCS / "datapackage.json"


@cache
def export_schema() -> dict[str, Any]:
    """The JSON Schema of the export (draft 2020-12), as published."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(export_schema(), format_checker=FormatChecker())


def _pointer(path: Any) -> str:
    return "/" + "/".join(str(part) for part in path)


def validate(document: Any, *, check_integrity: bool = True) -> None:
    """Raise :class:`ValidationError` unless ``document`` is a valid export.

    The error names the problem and where it is (a JSON pointer in ``details.path``):
    not a Semis export, an unknown version, a field of the wrong shape, or (with
    ``check_integrity``) a digest that does not match the content.
    """
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValidationError(
            _("This file is not a Semis workshop export."), path="/format", reason="format"
        )
    version = document.get("version")
    if not isinstance(version, str) or not version.startswith("1."):
        raise ValidationError(
            _(
                "This export uses a format version this server does not know (%(version)s).",
                version=str(version),
            ),
            path="/version",
            reason="version",
        )
    error = best_match(_validator().iter_errors(document))
    if error is not None:
        path = _pointer(error.absolute_path)
        raise ValidationError(
            _(
                "The export does not follow its schema at %(path)s: %(problem)s",
                path=path,
                problem=error.message[:300],
            ),
            path=path,
            schema_path=_pointer(error.absolute_schema_path),
            reason="schema",
        )
    if check_integrity and document["integrity"]["digest"] != digest(document):
        raise ValidationError(
            _("The export was changed or truncated after it was made: its digest does not match."),
            path="/integrity/digest",
            reason="integrity",
        )
