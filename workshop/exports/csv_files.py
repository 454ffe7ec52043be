"""CSV files of an export, in two dialects, one file per table.

- ``excel``: what French Excel opens cleanly with a double click: UTF-8 with a BOM,
  ``;`` between fields, CRLF line ends; for people: headers and values in the current
  language, times in local time as « 21/03/2026 14:05 », yes/no (:mod:`.localized`).
- ``open``: open data, RFC 4180: UTF-8 without BOM, ``,``, CRLF; stable English column
  names and values, UTC times (``2026-03-21T13:05:00Z``), true/false.

The open files are described by the Table Schemas of :mod:`.tables`; their ZIP comes with
its ``datapackage.json`` and the schemas, so the archive documents itself. The Excel
files, in words rather than codes, come alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from typing import Any

from .localized import DATETIME_TEXT, headers, localized_rows
from .tables import FORMULA_TRIGGERS, TABLE_NAMES, datapackage, field_names, rows, table_schema

DIALECTS = ("excel", "open")


def cell(value: Any) -> str:
    """A CSV cell: empty for null, ``true``/``false``, numbers as they are, and text
    that a spreadsheet would run as a formula behind a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(DATETIME_TEXT)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


def table_csv(document: dict[str, Any], name: str, dialect: str = "excel") -> bytes:
    """Table ``name`` of ``document`` as a CSV file in ``dialect``."""
    if dialect not in DIALECTS:
        raise ValueError(dialect)
    buffer = io.StringIO(newline="")
    writer = csv.writer(
        buffer,
        delimiter=";" if dialect == "excel" else ",",
        quotechar='"',
        doublequote=True,
        lineterminator="\r\n",
        quoting=csv.QUOTE_MINIMAL,
    )
    if dialect == "excel":
        writer.writerow(headers(name))
        for values in localized_rows(document, name):
            writer.writerow([cell(value) for value in values])
    else:
        columns = field_names(name)
        writer.writerow(columns)
        for row in rows(document, name):
            writer.writerow([cell(row[column]) for column in columns])
    encoding = "utf-8-sig" if dialect == "excel" else "utf-8"
    return buffer.getvalue().encode(encoding)


def csv_zip(document: dict[str, Any], dialect: str = "excel") -> bytes:
    """Every table as a CSV file in one ZIP; the open files with ``datapackage.json`` and
    the schemas that describe them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if dialect == "open":
            package = datapackage(dialect)
            archive.writestr("datapackage.json", json.dumps(package, indent=2, ensure_ascii=False))
        for name in TABLE_NAMES:
            archive.writestr(f"{name}.csv", table_csv(document, name, dialect))
            if dialect != "open":
                continue
            archive.writestr(
                f"tableschema/{name}.json",
                json.dumps(table_schema(name), indent=2, ensure_ascii=False),
            )
    return buffer.getvalue()
