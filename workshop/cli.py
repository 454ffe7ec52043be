"""``flask --app workshop ...`` commands; each parses its arguments and calls services."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .errors import WorkshopError
from .grouping import suggest_groups
from .grouping.ideas_csv import IdeasFileError, read_ideas
from .phases import Format
from .schemas import parse_new_facilitator, parse_new_workshop
from .services import accounts, agenda, demo, workshops
from .views.common import workshop_links


def _fail(error: WorkshopError) -> None:
    raise click.ClickException(f"{error.code}: {error.message}")


def _links(workshop: Any) -> dict[str, Any]:
    with current_app.test_request_context(
        base_url=current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    ):
        return workshop_links(workshop)


# AppGroup gives each subcommand an app context, whoever invokes it (flask, a test runner).
facilitators_cli = AppGroup("facilitators", help="Manage facilitator accounts.")
workshops_cli = AppGroup("workshops", help="Manage workshops.")
ideas_cli = AppGroup("ideas", help="Work on ideas outside a live session.")


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
        _fail(error)
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
    facilitator = accounts.get_by_email(owner.strip().lower())
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
        _fail(error)
    _print_links(workshop, as_json)


def _print_links(workshop: Any, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    links = _links(workshop) | (extra or {})
    if as_json:
        click.echo(json.dumps(links, ensure_ascii=False))
        return
    for key, value in links.items():
        click.echo(f"{key}: {value}")


@click.command("demo")
@with_appcontext
@click.option(
    "--owner",
    default="",
    help="Email of the facilitator who owns it "
    "(default: the first account, or a new demo account).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the links as JSON.")
def demo_command(owner: str, as_json: bool) -> None:
    """Create a lively demo workshop (French ideas, participants, a running timer)."""
    try:
        result = demo.create_demo(owner.strip().lower() or None)
    except LookupError as error:
        raise click.ClickException(str(error)) from None
    extra: dict[str, Any] = {}
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


def register(app: Flask) -> None:
    app.cli.add_command(facilitators_cli)
    app.cli.add_command(workshops_cli)
    app.cli.add_command(ideas_cli)
    app.cli.add_command(demo_command)
    from .exports.cli import register as register_exports

    register_exports(app.cli, ideas_cli)
