"""Exports of a workshop: JSON (the reference), CSV in two dialects, XLSX, a printable report.

Every format is made from one document, :func:`build_json`, which validates against
``docs/export.schema.json`` (:func:`validate`). :func:`render` gives the bytes of any
format with their media type and a file name; the console, the command line and the API
all go through it. Nothing here changes the database.
"""

from __future__ import annotations

import json
from typing import Any

from ..models import Workshop
from .csv_files import csv_zip, table_csv
from .document import FORMAT, VERSION, build_json, canonical_bytes, digest
from .report import render_report
from .tables import TABLE_NAMES
from .validation import export_schema, validate
from .xlsx import workbook

FORMATS = ("json", "csv", "csv-excel", "xlsx", "report")

__all__ = [
    "FORMAT",
    "FORMATS",
    "TABLE_NAMES",
    "VERSION",
    "build_json",
    "canonical_bytes",
    "digest",
    "export_schema",
    "render",
    "render_document",
    "table_csv",
    "validate",
]


def render_document(document: dict[str, Any], fmt: str, basename: str) -> tuple[bytes, str, str]:
    """An export ``document`` in format ``fmt`` as ``(bytes, mimetype, filename)``."""
    if fmt == "json":
        data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        return data, "application/json", f"{basename}.json"
    if fmt == "csv":
        return csv_zip(document, "open"), "application/zip", f"{basename}-csv.zip"
    if fmt == "csv-excel":
        return csv_zip(document, "excel"), "application/zip", f"{basename}-excel-csv.zip"
    if fmt == "xlsx":
        return (
            workbook(document),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{basename}.xlsx",
        )
    if fmt == "report":
        html = render_report(document)
        return html.encode("utf-8"), "text/html; charset=utf-8", f"{basename}-report.html"
    raise ValueError(f"unknown export format {fmt!r}")


def basename(workshop: Workshop) -> str:
    """File names of a workshop's exports start with this."""
    return f"semis-{workshop.code}"


def render(workshop: Workshop, fmt: str) -> tuple[bytes, str, str]:
    """Export ``workshop`` in ``fmt`` (one of :data:`FORMATS`): ``(bytes, mimetype,
    filename)``. Raises :class:`ValueError` for an unknown format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    return render_document(build_json(workshop), fmt, basename(workshop))
