"""``flask --app workshop export …`` and ``flask --app workshop ideas import …``."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext

from ..errors import NotFound, UnknownCode, WorkshopError
from ..models import Workshop
from ..services import idea_import, lookup
from . import FORMATS, TABLE_NAMES, basename, build_json, render_document, table_csv
from .ideas_import import parse_ideas_csv


def find_workshop(name: str) -> Workshop:
    """The workshop named by its join code or, failing that, its id."""
    try:
        return lookup.find_by_code(name)
    except UnknownCode:
        if name.strip().isdigit():
            return lookup.get_workshop(int(name.strip()))
        raise NotFound() from None


def _error(error: WorkshopError) -> click.ClickException:
    message = f"{error.code}: {error.message}"
    lines = error.details.get("errors")
    if isinstance(lines, list) and len(lines) > 1:
        message += "".join(f"\n  {line.get('message', line)}" for line in lines)
    return click.ClickException(message)


@click.command("export")
@with_appcontext
@click.argument("workshop")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="json",
    show_default=True,
    help="json, csv (open data, a ZIP of tables), csv-excel (French Excel, a ZIP), xlsx, "
    "report (printable HTML).",
)
@click.option(
    "--table",
    type=click.Choice(TABLE_NAMES),
    default=None,
    help="With csv or csv-excel: write this one table as a plain CSV file, not a ZIP.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default=None,
    help="File to write (default: the usual file name; '-' for stdout).",
)
def export_command(workshop: str, fmt: str, table: str | None, output: str | None) -> None:
    """Export WORKSHOP (its join code or id) in one format."""
    try:
        found = find_workshop(workshop)
    except WorkshopError as error:
        raise _error(error) from None
    document = build_json(found)
    if table is not None:
        if fmt not in ("csv", "csv-excel"):
            raise click.UsageError("--table goes with --format csv or csv-excel")
        dialect = "excel" if fmt == "csv-excel" else "open"
        data, filename = table_csv(document, table, dialect), f"{basename(found)}-{table}.csv"
    else:
        data, _mimetype, filename = render_document(document, fmt, basename(found))
    target = output or filename
    if target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    with open(target, "wb") as handle:
        handle.write(data)
    click.echo(f"Wrote {target} ({len(data)} bytes).", err=True)


@click.command("import")
@with_appcontext
@click.argument("workshop")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
def import_ideas_command(workshop: str, file: str) -> None:
    """Import the ideas of FILE (CSV with id and text columns) into WORKSHOP (code or
    id), as its owner. Importing the same file again adds nothing."""
    try:
        found = find_workshop(workshop)
        with open(file, "rb") as handle:
            rows = parse_ideas_csv(handle.read())
        result = idea_import.import_ideas(found.id, found.owner, rows)
    except WorkshopError as error:
        raise _error(error) from None
    except OSError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Imported {result.created} new ideas into {found.code} ({result.unchanged} already there)."
    )


def register(cli: click.Group, ideas_group: AppGroup) -> None:
    """Add ``export`` to the app's commands and ``import`` to the ``ideas`` group."""
    cli.add_command(export_command)
    ideas_group.add_command(import_ideas_command)
