"""Reading a workshop export before it is imported: the file is checked in full first.

:func:`load_document` refuses, with a translated message naming the problem and where it
is (a JSON pointer into the file, and for a schema rule the rule's path): a file that is
not a Semis export, of an unknown version, truncated (incomplete JSON), changed after it
was exported (its integrity digest), or breaking ``docs/export.schema.json`` or the
references that hold the export together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import gettext as _

from ..errors import (
    ImportInvalid,
    ImportNotOurs,
    ImportTampered,
    ImportTruncated,
    ImportUnknownVersion,
)
from ..exports.document import digest as export_digest
from ..schemas import INT_MAX

EXPORT_FORMAT = "semis.workshop-export"
# Major versions this importer reads; a minor version only ever adds optional fields.
SUPPORTED_MAJOR = "1"
_SURROGATE = re.compile("[\ud800-\udfff]")


def _pointer(path: Iterable[Any]) -> str:
    """A JSON Pointer (RFC 6901) for a path inside the document; "/" for the root."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts)


def _invalid(path: Iterable[Any], problem: str, **details: Any) -> ImportInvalid:
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


def load_document(document_or_bytes: dict[str, Any] | bytes | str) -> dict[str, Any]:
    """Parse and check an export; the parsed document, or one of the ``Import*`` errors.

    Checks, in order: it is JSON (else truncated, or not ours when it does not even
    start like a JSON object), it is a Semis export, its version is known, its integrity
    digest matches, it follows the JSON Schema, and its references hold together.
    """
    document = read_document(document_or_bytes)
    validate_document(document)
    return document


def read_document(document_or_bytes: dict[str, Any] | bytes | str) -> dict[str, Any]:
    """The first checks of :func:`load_document`: JSON, ours, known version, integrity."""
    if isinstance(document_or_bytes, dict):
        document: Any = document_or_bytes
    else:
        document = _parse_json(document_or_bytes)
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise ImportNotOurs(
            _(
                "This file is not a Semis workshop export (%(path)s is not %(format)s).",
                path="/format",
                format=EXPORT_FORMAT,
            ),
            path="/format",
        )
    _check_version(document)
    _check_integrity(document)
    return document


def _check_version(document: dict[str, Any]) -> None:
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


def validate_document(document: dict[str, Any]) -> None:
    """The last checks of :func:`load_document`: the JSON Schema, then the references."""
    _check_schema(document)
    _check_references(document)


def _parse_json(raw: bytes | str) -> Any:
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
    integrity = document.get("integrity")
    if not isinstance(integrity, dict):
        raise _invalid(["integrity"], _("the integrity digest is missing."))
    if integrity.get("algorithm") != "sha256":
        raise _invalid(["integrity", "algorithm"], _("the only digest algorithm read is sha256."))
    digest = integrity.get("digest")
    try:
        expected = export_digest(document)
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800"): valid JSON, not text
        path = next(
            (p for p, v in _leaves(document, []) if isinstance(v, str) and _SURROGATE.search(v)),
            [],
        )
        raise _invalid(
            path, _("the text contains characters that are not valid Unicode.")
        ) from None
    if not isinstance(digest, str) or digest.lower() != expected:
        raise ImportTampered(
            _(
                "This file was changed after it was exported: its integrity digest "
                "(%(path)s) does not match its content.",
                path="/integrity/digest",
            ),
            path="/integrity/digest",
        )


def _problem(error: Any) -> str:
    """A translated description of one JSON Schema error, by its keyword."""
    keyword = error.validator
    value = error.validator_value
    if keyword == "required":
        missing = [name for name in value if name not in (error.instance or {})]
        return _("the field %(name)s is missing.", name=", ".join(missing) or "?")
    if keyword == "type":
        return _("the value has the wrong type (expected %(type)s).", type=value)
    if keyword == "maxLength":
        return _("the text is too long (%(max)s characters at most).", max=value)
    if keyword == "minLength":
        return _("the text is too short.")
    if keyword in ("enum", "const"):
        return _("this value is not one of those allowed.")
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return _("this number is out of range.")
    if keyword == "pattern":
        return _("the value does not have the expected form.")
    if keyword == "format":
        return _("the value is not a valid %(format)s.", format=value)
    if keyword in ("additionalProperties", "unevaluatedProperties"):
        return _("it has a field the format does not define.")
    if keyword in ("maxItems", "minItems"):
        return _("the list has too many or too few items.")
    return _("the value is not valid (%(keyword)s).", keyword=keyword)


def _check_schema(document: dict[str, Any]) -> None:
    """Validate against ``docs/export.schema.json``; the most relevant error is named."""
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import best_match

    from ..exports.validation import export_schema

    validator = Draft202012Validator(export_schema(), format_checker=FormatChecker())
    error = best_match(validator.iter_errors(document))
    if error is not None:
        raise _invalid(
            error.absolute_path,
            _problem(error),
            schema_path="#" + _pointer(error.absolute_schema_path),
        )


def _leaves(value: Any, path: list[Any]) -> Iterator[tuple[list[Any], Any]]:
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
    challenge_ids: set[int] = set()
    for index, challenge in enumerate(document["challenges"]):
        if challenge["reference"] != f"{uid}/challenge/{challenge['id']}":
            raise _invalid(
                ["challenges", index, "reference"], _("the reference does not name this défi.")
            )
        if challenge["id"] in challenge_ids:
            raise _invalid(["challenges", index, "id"], _("this identifier appears twice."))
        challenge_ids.add(challenge["id"])
    idea_ids: set[int] = set()
    for index, idea in enumerate(document["ideas"]):
        if idea["reference"] != f"{uid}/idea/{idea['id']}":
            raise _invalid(
                ["ideas", index, "reference"], _("the reference does not name this idea.")
            )
        if idea["id"] in idea_ids:
            raise _invalid(["ideas", index, "id"], _("this identifier appears twice."))
        idea_ids.add(idea["id"])
        if idea.get("challenge_id") is not None and idea["challenge_id"] not in challenge_ids:
            raise _invalid(
                ["ideas", index, "challenge_id"], _("no défi of the export has this id.")
            )
    # What a database column cannot hold; nothing Semis exports carries it.
    for path, value in _leaves(document, []):
        if isinstance(value, str) and "\x00" in value:
            raise _invalid(path, _("the text contains a NUL character."))
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT_MAX:
            raise _invalid(path, _("this number is out of range."))
