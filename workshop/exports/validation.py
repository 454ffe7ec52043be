"""Checking a workshop export: the one set of rules a file must follow to be read as one.

Every rule is checked here, in one place: the file is JSON (else truncated, or not ours
when it does not even start like a JSON object), a Semis export, of a known version,
unchanged since it was exported (its integrity digest), following
``docs/export.schema.json``, with references that hold together and nothing a database
column cannot hold. A refusal names the problem and where it is (a JSON pointer into the
file and, for a schema rule, the rule's path), in a translated message.

Two callers, two orders: the portfolio's import (:func:`read_document`, then
:func:`validate_document` unless the export is already held) says "changed after it was
exported" before anything else, with the ``Import*`` errors; :func:`validate` checks a
document this server made and names the first broken schema rule, with a
:class:`~workshop.errors.ValidationError` whose ``details.reason`` is ``format``,
``version``, ``schema`` or ``integrity``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as JSONSchemaError
from jsonschema.exceptions import best_match

from ..errors import (
    ImportInvalid,
    ImportNotOurs,
    ImportTampered,
    ImportTruncated,
    ImportUnknownVersion,
    ValidationError,
    WorkshopError,
)
from ..schemas import INT_MAX
from .document import FORMAT, digest

DOCS = Path(__file__).resolve().parent.parent.parent / "docs"
SCHEMA_PATH = DOCS / "export.schema.json"
# Major versions this server reads; a minor version only ever adds optional fields.
SUPPORTED_MAJOR = "1"
_SURROGATE = re.compile("[\ud800-\udfff]")


@cache
def export_schema() -> dict[str, Any]:
    """The JSON Schema of the export (draft 2020-12), as published."""
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(export_schema(), format_checker=FormatChecker())


def read_document(document_or_bytes: dict[str, Any] | bytes | str) -> dict[str, Any]:
    """The parsed export, once it is JSON, ours, of a known version and unchanged since it
    was exported; else one of the ``Import*`` errors. :func:`validate_document` checks
    the rest."""
    if isinstance(document_or_bytes, dict):
        document = _check_ours(document_or_bytes)
    else:
        document = _check_ours(_parse_json(document_or_bytes))
    _check_version(document)
    _check_integrity(document)
    return document


def validate_document(document: dict[str, Any]) -> None:
    """The checks :func:`read_document` leaves: the JSON Schema, then the references;
    raises :class:`ImportInvalid`."""
    _check_schema(document)
    _check_references(document)


# What each refusal of an import means to :func:`validate`'s callers.
_REASONS: dict[type[WorkshopError], str] = {
    ImportNotOurs: "format",
    ImportUnknownVersion: "version",
    ImportInvalid: "schema",
    ImportTampered: "integrity",
}


def validate(document: Any) -> None:
    """Raise :class:`ValidationError` unless ``document`` (parsed JSON) is a valid export.

    The same rules as an import, the schema before the digest: ``details.reason`` is
    ``format`` (not a Semis export), ``version``, ``schema`` (the schema or the
    references) or ``integrity``, and ``details.path`` a JSON pointer.
    """
    try:
        _check_ours(document)
        _check_version(document)
        validate_document(document)
        _check_integrity(document)
    except (ImportNotOurs, ImportUnknownVersion, ImportInvalid, ImportTampered) as error:
        raise ValidationError(
            error.message, **{**error.details, "reason": _REASONS[type(error)]}
        ) from None


def _pointer(path: Iterable[Any]) -> str:
    """A JSON Pointer (RFC 6901) for a path inside the document; "/" for the root."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts)


def _invalid(path: Iterable[Any], problem: str, **details: Any) -> ImportInvalid:
    """The refusal of a document breaking a rule at ``path``."""
    where = _pointer(path)
    return ImportInvalid(
        _(
            "This export does not follow the export schema at %(path)s: %(problem)s",
            path=where,
            problem=problem,
        ),
        path=where,
        **details,
    )


def _check_ours(document: object) -> dict[str, Any]:
    """The document, once it is a JSON object that says it is a Semis export; else
    :class:`ImportNotOurs`."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportNotOurs(
            _(
                "This file is not a Semis workshop export (%(path)s is not %(format)s).",
                path="/format",
                format=FORMAT,
            ),
            path="/format",
        )
    return document


def _check_version(document: dict[str, Any]) -> None:
    """A version whose major this server reads; else :class:`ImportUnknownVersion`."""
    version = document.get("version")
    if not isinstance(version, str) or version.split(".")[0] != SUPPORTED_MAJOR:
        shown = version if isinstance(version, str | int | float) else type(version).__name__
        raise ImportUnknownVersion(
            _(
                "This export uses format version %(version)s at /version; this server reads "
                "version %(supported)s.x.",
                version=str(shown)[:20],
                supported=SUPPORTED_MAJOR,
            ),
            path="/version",
            version=str(shown)[:20],
        )


def _parse_json(raw: bytes | str) -> Any:
    """The JSON of a file: :class:`ImportNotOurs` when it cannot be an export at all,
    :class:`ImportTruncated` when it starts like one but is not complete JSON."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportNotOurs(
                _("This file is not a Semis workshop export (it is not UTF-8 text)."), path="/"
            ) from None
    else:
        text = raw
    if not text.lstrip().startswith("{"):
        raise ImportNotOurs(
            _("This file is not a Semis workshop export (it is not a JSON object)."), path="/"
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportTruncated(
            _(
                "This file is cut off or damaged: it is not complete JSON "
                "(line %(line)d, column %(column)d).",
                line=error.lineno,
                column=error.colno,
            ),
            path="/",
            line=error.lineno,
            column=error.colno,
        ) from None
    except RecursionError:
        raise ImportNotOurs(
            _("This file is not a Semis workshop export (it is nested too deeply)."), path="/"
        ) from None


def _check_integrity(document: dict[str, Any]) -> None:
    """The sha256 digest the file carries is that of its content; else
    :class:`ImportTampered` (or :class:`ImportInvalid` when it carries none)."""
    integrity = document.get("integrity")
    if not isinstance(integrity, dict):
        raise _invalid(["integrity"], _("the integrity digest is missing."))
    if integrity.get("algorithm") != "sha256":
        raise _invalid(["integrity", "algorithm"], _("the only digest algorithm read is sha256."))
    claimed = integrity.get("digest")
    try:
        expected = digest(document)
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800"): valid JSON, not text
        path = next(
            (p for p, v in _leaves(document, []) if isinstance(v, str) and _SURROGATE.search(v)),
            [],
        )
        raise _invalid(
            path, _("the text contains characters that are not valid Unicode.")
        ) from None
    if not isinstance(claimed, str) or claimed.lower() != expected:
        raise ImportTampered(
            _(
                "This file was changed after it was exported: its integrity digest "
                "(%(path)s) does not match its content.",
                path="/integrity/digest",
            ),
            path="/integrity/digest",
        )


def _problem(error: JSONSchemaError) -> str:
    """A translated description of one JSON Schema error, by its keyword."""
    keyword = error.validator
    # The keyword's value in the schema and the value checked: any JSON.
    value: Any = error.validator_value
    instance: Any = error.instance
    message: str  # flask_babel is untyped: its strings are Any
    if keyword == "required":
        missing = [name for name in value if name not in (instance or {})]
        message = _("the field %(name)s is missing.", name=", ".join(missing) or "?")
    elif keyword == "type":
        message = _("the value has the wrong type (expected %(type)s).", type=value)
    elif keyword == "maxLength":
        message = _("the text is too long (%(max)s characters at most).", max=value)
    elif keyword == "minLength":
        message = _("the text is too short.")
    elif keyword in ("enum", "const"):
        message = _("this value is not one of those allowed.")
    elif keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        message = _("this number is out of range.")
    elif keyword == "pattern":
        message = _("the value does not have the expected form.")
    elif keyword == "format":
        message = _("the value is not a valid %(format)s.", format=value)
    elif keyword in ("additionalProperties", "unevaluatedProperties"):
        message = _("it has a field the format does not define.")
    elif keyword in ("maxItems", "minItems"):
        message = _("the list has too many or too few items.")
    else:
        message = _("the value is not valid (%(keyword)s).", keyword=keyword)
    return message


def _check_schema(document: dict[str, Any]) -> None:
    """Validate against ``docs/export.schema.json``; the most relevant error is named."""
    error = best_match(_validator().iter_errors(document))
    if error is not None:
        raise _invalid(
            error.absolute_path,
            _problem(error),
            schema_path="#" + _pointer(error.absolute_schema_path),
        )


def _leaves(value: Any, path: list[Any]) -> Iterator[tuple[list[Any], Any]]:
    """Every scalar of a JSON value, with its path."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, [*path, index])
    else:
        yield path, value


def _check_references(document: dict[str, Any]) -> None:
    """What a schema cannot say: references name this workshop, links point inside."""
    uid = document["workshop"]["uid"]
    ids: dict[str, set[int]] = {"challenges": set(), "ideas": set()}
    for key, kind, wrong in (
        ("challenges", "challenge", _("the reference does not name this défi.")),
        ("ideas", "idea", _("the reference does not name this idea.")),
    ):
        for index, item in enumerate(document[key]):
            if item["reference"] != f"{uid}/{kind}/{item['id']}":
                raise _invalid([key, index, "reference"], wrong)
            if item["id"] in ids[key]:
                raise _invalid([key, index, "id"], _("this identifier appears twice."))
            ids[key].add(item["id"])
            linked = item.get("challenge_id") if key == "ideas" else None
            if linked is not None and linked not in ids["challenges"]:
                raise _invalid(
                    [key, index, "challenge_id"], _("no défi of the export has this id.")
                )
    _check_table_references(document, ids["challenges"])
    _check_profiles(document["workshop"])
    _check_cycle(document)
    # What a database column cannot hold; nothing Semis exports carries it.
    for path, value in _leaves(document, []):
        if isinstance(value, str) and "\x00" in value:
            raise _invalid(path, _("the text contains a NUL character."))
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT_MAX:
            raise _invalid(path, _("this number is out of range."))


def _check_profiles(workshop: dict[str, Any]) -> None:
    """The participants by profile (1.2) count people who joined: never more than
    ``participants_count`` (an erased participant is in the total, under no profile)."""
    by_profile = workshop.get("participants_by_profile")
    if by_profile is not None and sum(by_profile.values()) > workshop["participants_count"]:
        raise _invalid(
            ["workshop", "participants_by_profile"],
            _("the counts by profile add up to more than the participants."),
        )


def _check_cycle(document: dict[str, Any]) -> None:
    """The cycle (1.3): the workshop is one of its sessions, each session and project
    once, each project's reference names this cycle and this project, its sections,
    jury criteria and the grid's keys once, the jury's criteria those of the grid."""
    cycle = document.get("cycle")
    if cycle is None:
        return
    sessions: set[str] = set()
    for index, session in enumerate(cycle["sessions"]):
        if session["uid"] in sessions:
            raise _invalid(["cycle", "sessions", index, "uid"], _("this identifier appears twice."))
        sessions.add(session["uid"])
    if document["workshop"]["uid"] not in sessions:
        raise _invalid(["cycle", "sessions"], _("the workshop is not one of the cycle's sessions."))
    for name in ("feedback_kinds", "criteria"):
        _unique_keys(cycle[name], ["cycle", name])
    grid = [criterion["key"] for criterion in cycle["criteria"]]
    ids: set[int] = set()
    for index, project in enumerate(cycle["projects"]):
        where = ["cycle", "projects", index]
        if project["reference"] != f"{cycle['uid']}/project/{project['id']}":
            raise _invalid([*where, "reference"], _("the reference does not name this project."))
        if project["id"] in ids:
            raise _invalid([*where, "id"], _("this identifier appears twice."))
        ids.add(project["id"])
        _unique_keys(project["intention"], [*where, "intention"])
        graded = project["jury"]["criteria"]
        if [criterion["key"] for criterion in graded] != grid:
            raise _invalid(
                [*where, "jury", "criteria"], _("the criteria are not those of the jury's grid.")
            )


def _unique_keys(items: list[dict[str, Any]], where: list[Any]) -> None:
    keys: set[str] = set()
    for index, item in enumerate(items):
        if item["key"] in keys:
            raise _invalid([*where, index, "key"], _("this key appears twice."))
        keys.add(item["key"])


def _check_table_references(document: dict[str, Any], challenge_ids: set[int]) -> None:
    """The défi tables (1.1): each on an exported défi, ids and numbers once, each
    contribution once and in one of the workshop's kinds."""
    keys: set[str] = set()
    for index, kind in enumerate(document.get("contribution_kinds", [])):
        if kind["key"] in keys:
            raise _invalid(["contribution_kinds", index, "key"], _("this key appears twice."))
        keys.add(kind["key"])
    table_ids: set[int] = set()
    numbers: set[int] = set()
    contribution_ids: set[int] = set()
    for index, table in enumerate(document.get("tables", [])):
        where = ["tables", index]
        if table["id"] in table_ids:
            raise _invalid([*where, "id"], _("this identifier appears twice."))
        table_ids.add(table["id"])
        if table["number"] in numbers:
            raise _invalid([*where, "number"], _("two tables have this number."))
        numbers.add(table["number"])
        if table["challenge_id"] not in challenge_ids:
            raise _invalid([*where, "challenge_id"], _("no défi of the export has this id."))
        for position, contribution in enumerate(table["contributions"]):
            path = [*where, "contributions", position]
            if contribution["id"] in contribution_ids:
                raise _invalid([*path, "id"], _("this identifier appears twice."))
            contribution_ids.add(contribution["id"])
            if contribution["kind"] not in keys:
                raise _invalid(
                    [*path, "kind"], _("no contribution kind of the export has this key.")
                )
