"""Exports from the console, the published schemas, and importing a CSV of ideas."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from ..auth import login_required
from ..errors import ValidationError, WorkshopError
from ..exports import FORMATS, TABLE_NAMES, basename, build_json, render_document, table_csv
from ..exports.ideas_import import LONG_TEXT_MODES, MAX_BYTES, SPLIT, LongTexts
from ..exports.report import content_security_policy
from ..exports.tables import datapackage, table_schema
from ..exports.validation import export_schema
from ..models import Workshop
from ..schemas import TITLE_MAX
from ..services import idea_import
from .access import me, own_workshop
from .common import FORM_OVERHEAD, form_page, import_limit

bp = Blueprint("exports", __name__)


def _download(data: bytes, mimetype: str, filename: str, *, inline: bool = False) -> Response:
    response = Response(data, content_type=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(
    workshop: Workshop, error: WorkshopError | None = None, long_texts: LongTexts = SPLIT
) -> Any:
    return form_page(
        "facilitator/exports.html",
        error,
        workshop=workshop,
        line_errors=(error.details.get("errors") or []) if error else [],
        max_mb=MAX_BYTES // (1024 * 1024),
        long_texts=long_texts,
        title_max=TITLE_MAX,
    )


def _long_texts() -> LongTexts:
    """How the import form asks to read texts longer than a title (split by default)."""
    value = request.form.get("long_texts") or SPLIT
    for mode in LONG_TEXT_MODES:
        if value == mode:
            return mode
    raise ValidationError(
        _("Choose how to import texts longer than a title."),
        field="long_texts",
        reason="choice",
    )


@bp.get("/f/w/<int:workshop_id>/exports")
@login_required
def page(workshop_id: int) -> Any:
    """Download links for every format, and the form importing a CSV of ideas."""
    return _page(own_workshop(workshop_id))


@bp.get("/f/w/<int:workshop_id>/export/<fmt>")
@login_required
def download(workshop_id: int, fmt: str) -> Any:
    """The export in ``fmt``; the report opens in the browser (to print) with ``?view``."""
    workshop = own_workshop(workshop_id)
    if fmt not in FORMATS:
        abort(404)
    data, mimetype, filename = render_document(build_json(workshop), fmt, basename(workshop))
    response = _download(
        data, mimetype, filename, inline=fmt == "report" and "view" in request.args
    )
    if fmt == "report":
        # The report is self-contained: its inline print style is allowed by hash.
        response.headers["Content-Security-Policy"] = content_security_policy(data.decode("utf-8"))
    return response


@bp.get("/f/w/<int:workshop_id>/tables/<name>.csv")
@login_required
def table(workshop_id: int, name: str) -> Any:
    """One table as a CSV file: ``?dialect=excel`` (default) or ``open``."""
    workshop = own_workshop(workshop_id)
    dialect = request.args.get("dialect", "excel")
    if name not in TABLE_NAMES or dialect not in ("excel", "open"):
        abort(404)
    data = table_csv(build_json(workshop), name, dialect)
    suffix = "-excel" if dialect == "excel" else ""
    return _download(data, "text/csv; charset=utf-8", f"{basename(workshop)}-{name}{suffix}.csv")


@bp.post("/f/w/<int:workshop_id>/ideas/import")
@login_required
def import_ideas(workshop_id: int) -> Any:
    """Import a CSV of ideas collected before the session (all or nothing)."""
    workshop = own_workshop(workshop_id)
    long_texts: LongTexts = SPLIT
    try:
        # Before the form is parsed: a file, and the few fields around it.
        import_limit("file", MAX_BYTES + FORM_OVERHEAD)
        long_texts = _long_texts()
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise ValidationError(
                _("Choose a CSV file to import."), field="file", reason="required"
            )
        data = upload.stream.read(MAX_BYTES + 1)  # more is refused as too large
        rows = idea_import.read_file(data, long_texts)
        result = idea_import.import_ideas(workshop.id, me(), rows)
    except WorkshopError as error:
        return _page(workshop, error, long_texts)
    flash(
        _(
            "%(created)d ideas imported, %(unchanged)d were already there.",
            created=result.created,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("exports.page", workshop_id=workshop.id))


# ------------------------------------------------------------------ published schemas


def _json(document: Any, mimetype: str = "application/json") -> Response:
    response = Response(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n", mimetype=mimetype
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/schemas/export.schema.json")
def export_schema_file() -> Response:
    """The JSON Schema (draft 2020-12) of the JSON export."""
    return _json(export_schema(), "application/schema+json")


@bp.get("/schemas/tableschema/<name>.json")
def table_schema_file(name: str) -> Response:
    """The Frictionless Table Schema of one CSV table."""
    if name not in TABLE_NAMES:
        abort(404)
    return _json(table_schema(name))


@bp.get("/schemas/datapackage.json")
def datapackage_file() -> Response:
    """The Data Package descriptor of the open-data CSV export."""
    return _json(datapackage("open"))
