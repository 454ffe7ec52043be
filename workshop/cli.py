"""``flask --app workshop ...`` commands for workshops; each parses its arguments and calls
services.

Accounts and workshops (``facilitators``, ``workshops``, ``demo``), ideas outside a live
session (``ideas suggest-groups``, ``ideas import``), exports (``export``) and the
followers' emails (``mail send``, ``mail status``). The
Fabrique's commands are in :mod:`workshop.portfolio_cli`. A refusal is reported by
:func:`workshop.exports.cli_errors.fail`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .errors import NotFound, UnknownCode, WorkshopError
from .exports import FORMATS, TABLE_NAMES, basename, build_json, render_document, table_csv
from .exports.cli_errors import fail
from .exports.ideas_import import IdeasFileError, parse_ideas_csv, read_ideas
from .exports.links import workshop_links
from .grouping import suggest_groups
from .models import Workshop
from .phases import Format
from .schemas import parse_new_facilitator, parse_new_workshop
from .services import (
    accounts,
    agenda,
    demo,
    followers,
    idea_import,
    lookup,
    mail,
    privacy,
    workshops,
)

# AppGroup gives each subcommand an app context, whoever invokes it (flask, a test runner).
facilitators_cli = AppGroup("facilitators", help="Manage facilitator accounts.")
workshops_cli = AppGroup("workshops", help="Manage workshops.")
ideas_cli = AppGroup("ideas", help="Work on ideas outside a live session.")
mail_cli = AppGroup("mail", help="Emails to the people kept informed of a project.")


def find_workshop(name: str) -> Workshop:
    """The workshop named by its join code or, failing that, its id."""
    try:
        return lookup.find_by_code(name)
    except UnknownCode:
        if name.strip().isdigit():
            return lookup.get_workshop(int(name.strip()))
        raise NotFound() from None


def _print_links(workshop: Workshop, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    links = workshop_links(workshop) | (extra or {})
    if as_json:
        click.echo(json.dumps(links, ensure_ascii=False))
        return
    for key, value in links.items():
        click.echo(f"{key}: {value}")


@facilitators_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="Name shown to co-facilitators.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_facilitator(email: str, name: str, password_stdin: bool) -> None:
    """Create a facilitator account (the password is asked for, or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        facilitator = accounts.create_facilitator(
            parse_new_facilitator({"email": email, "name": name, "password": password})
        )
    except WorkshopError as error:
        fail(error)
    click.echo(f"Created facilitator {facilitator.email} (id {facilitator.id}).")


@workshops_cli.command("create")
@click.option("--title", required=True)
@click.option(
    "--format",
    "format_",
    type=click.Choice([f.value for f in Format]),
    default=Format.CUSTOM.value,
    show_default=True,
)
@click.option("--owner", required=True, help="Email of the facilitator who runs it.")
@click.option("--question", default="")
@click.option("--territory", default="")
@click.option("--date", default="", help="YYYY-MM-DD")
@click.option("--open", "open_now", is_flag=True, help="Open it for joining right away.")
@click.option("--json", "as_json", is_flag=True, help="Print the links as JSON.")
def create_workshop(
    title: str,
    format_: str,
    owner: str,
    question: str,
    territory: str,
    date: str,
    open_now: bool,
    as_json: bool,
) -> None:
    """Create a workshop from a format preset and print its links."""
    facilitator = accounts.get_by_email(owner)
    if facilitator is None:
        raise click.ClickException(f"no facilitator with email {owner}")
    try:
        new = parse_new_workshop(
            {
                "title": title,
                "format": format_,
                "question": question,
                "territory": territory,
                "date": date,
            }
        )
        workshop = workshops.create_workshop(new, facilitator)
        if open_now:
            agenda.open_workshop(workshop.id, facilitator)
    except WorkshopError as error:
        fail(error)
    _print_links(workshop, as_json)


@click.command("demo")
@with_appcontext
@click.option(
    "--owner",
    default="",
    help="Email of the facilitator who owns it "
    "(default: the first account, or a new demo account).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the links as JSON.")
@click.option(
    "--format",
    "format_",
    type=click.Choice([Format.MARATHON.value, Format.CHALLENGES_EVENING.value]),
    default=Format.MARATHON.value,
    show_default=True,
    help="marathon: a small ideas marathon; challenges_evening: a whole « Soirée défis » "
    "(imported ideas, défis, tables, hosts, contributions, restitution, vote, offers).",
)
@click.option(
    "--ideas-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="challenges_evening: the CSV of ideas to import (id,text…; default: the Paris "
    "participatory budget's winning projects, workshop/data/).",
)
@click.option(
    "--ideas",
    type=click.IntRange(2, 5000),
    default=1000,
    show_default=True,
    help="challenges_evening: how many ideas of the file to import (its first lines).",
)
@click.option(
    "--challenges",
    type=click.IntRange(1, 100),
    default=30,
    show_default=True,
    help="challenges_evening: défis (and tables) made from them.",
)
@click.option(
    "--people",
    type=click.IntRange(2, 2000),
    default=400,
    show_default=True,
    help="challenges_evening: people in the room.",
)
def demo_command(
    owner: str,
    as_json: bool,
    format_: str,
    ideas_file: Path | None,
    ideas: int,
    challenges: int,
    people: int,
) -> None:
    """Create a lively demo workshop: a marathon (French ideas, participants, a running
    timer), or with ``--format challenges_evening`` a whole Start-up de Territoire
    evening played through the services."""
    email = owner.strip().lower() or None
    extra: dict[str, Any] = {}
    try:
        if format_ == Format.CHALLENGES_EVENING:
            size = demo.EveningSize(ideas=ideas, challenges=challenges, people=people)
            say = None if as_json else (lambda line: click.echo(line, err=True))
            evening = demo.create_evening_demo(
                email, size, ideas_file or demo.DEFAULT_IDEAS_FILE, progress=say
            )
            extra["evening"] = {
                "ideas": evening.ideas,
                "challenges": evening.challenges,
                "tables": evening.tables,
                "people": evening.people,
                "contributions": evening.contributions,
            }
            result: demo.DemoResult = evening
        else:
            result = demo.create_demo(email)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    except FileNotFoundError as error:
        raise click.ClickException(
            f"no file of ideas at {error.filename}: give one with --ideas-file"
        ) from None
    if result.password is not None:
        extra["facilitator"] = {"email": result.facilitator.email, "password": result.password}
    _print_links(result.workshop, as_json, extra)


@ideas_cli.command("suggest-groups")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option(
    "--k",
    type=click.IntRange(min=1),
    default=None,
    help="Number of groups (default: chosen from the ideas).",
)
@click.option(
    "--lang",
    type=click.Choice(["fr", "en"]),
    default="fr",
    show_default=True,
    help="Language of the ideas.",
)
@click.option(
    "--json", "as_json", is_flag=True, help='Print [{"id", "group", "label"}, …] as JSON.'
)
def suggest_groups_command(file: str, k: int | None, lang: str, as_json: bool) -> None:
    """Suggest groups (défis) for the ideas of FILE, a CSV with 'id' and 'text' columns."""
    try:
        with open(file, "rb") as handle:
            rows = read_ideas(handle.read(), click.format_filename(file))
    except (OSError, IdeasFileError) as error:
        raise click.ClickException(str(error)) from None
    groups = suggest_groups([row.text for row in rows], k, lang)
    group_of: dict[int, tuple[int, str]] = {}
    for number, group in enumerate(groups, start=1):
        for index in group.members:
            group_of[index] = (number, group.label)
    if as_json:
        result = [
            {"id": row.id, "group": group_of[i][0], "label": group_of[i][1]}
            for i, row in enumerate(rows)
        ]
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    for number, group in enumerate(groups, start=1):
        click.echo(f"{number}. {group.label} ({len(group.members)})")
        for index in group.members:
            click.echo(f"   {rows[index].id}: {rows[index].text}")


@ideas_cli.command("import")
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
        fail(error)
    except OSError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Imported {result.created} new ideas into {found.code} ({result.unchanged} already there)."
    )


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
        fail(error)
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


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per workshop.")
@with_appcontext
def purge_command(dry_run: bool, as_json: bool) -> None:
    """Apply the retention rules to closed workshops (docs/privacy.md): delete event logs
    older than EVENT_LOG_DAYS, and personal data older than each workshop's retention.
    Run it daily from cron or a systemd timer."""
    items = privacy.purge(dry_run=dry_run)
    for item in items:
        if as_json:
            record = {
                "workshop_id": item.workshop_id,
                "title": item.title,
                "closed_at": item.closed_at.isoformat(),
                "dry_run": dry_run,
                "event_log": item.events,
                "participants": item.participants,
                "contacts": item.contacts,
                "withdrawn_texts": item.withdrawn_texts,
            }
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        verb = "would delete" if dry_run else "deleted"
        parts = []
        if item.events:
            parts.append(f"{item.events} event-log entries")
        if item.participants:
            parts.append(f"the data of {item.participants} participants")
        if item.contacts:
            parts.append(f"{item.contacts} contact details")
        if item.withdrawn_texts:
            parts.append(f"the text of {item.withdrawn_texts} withdrawn ideas")
        click.echo(f"workshop {item.workshop_id} « {item.title} »: {verb} " + ", ".join(parts))
    if not items and not as_json:
        click.echo("nothing to purge")
    if not dry_run:
        privacy.reclaim_space()


@mail_cli.command("send")
def mail_send() -> None:
    """Queue the news of the projects for their followers and send the emails that are
    due, once (what the server's worker does every MAIL_WORKER_INTERVAL seconds; for
    cron when MAIL_WORKER is off)."""
    result = followers.run_once()
    click.echo(
        f"sent {result.sent}, to retry {result.retried}, failed {result.failed}"
        f" ({mail.backend()} backend)"
    )
    for error in result.errors:
        click.echo(f"  {error}", err=True)


@mail_cli.command("status")
def mail_status() -> None:
    """How many emails wait, were sent or failed, and where they go."""
    counts = mail.counts()
    config = current_app.config
    where = (
        f"smtp {config['MAIL_SERVER']}:{config['MAIL_PORT'] or 'default port'}"
        if mail.backend() == "smtp"
        else "console (MAIL_SERVER is not set: emails are written to the server's log)"
    )
    click.echo(f"backend: {where}")
    click.echo(f"worker in the server: {'on' if config['MAIL_WORKER'] else 'off'}")
    click.echo(
        f"pending {counts.pending}, sending {counts.sending}, sent {counts.sent},"
        f" failed {counts.failed}"
    )


def register(app: Flask) -> None:
    """Add these commands to the app's ``flask`` command line."""
    for command in (
        facilitators_cli,
        workshops_cli,
        ideas_cli,
        demo_command,
        export_command,
        purge_command,
        mail_cli,
    ):
        app.cli.add_command(command)
