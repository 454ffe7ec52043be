"""``flask --app workshop import | fabriques | tokens``: the Fabrique portfolio's commands.

A refusal is reported by :func:`workshop.exports.cli_errors.fail`, as by every command.
"""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from .errors import WorkshopError
from .exports.cli_errors import fail
from .models import Fabrique, Facilitator
from .schemas import parse_new_fabrique
from .services import accounts, fabriques, portfolio

fabriques_cli = AppGroup("fabriques", help="Manage Fabriques à initiatives and their members.")
tokens_cli = AppGroup("tokens", help="Issue and revoke a Fabrique's API tokens.")


def _fabrique(slug: str | None) -> Fabrique:
    """The Fabrique ``slug``, or the only one when there is exactly one."""
    if slug:
        try:
            return fabriques.get_by_slug(slug)
        except WorkshopError as error:
            fail(error)
    every = fabriques.all_fabriques()
    if len(every) == 1:
        return every[0]
    if not every:
        raise click.ClickException(
            "no Fabrique yet: create one with 'flask --app workshop fabriques create SLUG'"
        )
    raise click.ClickException(
        "several Fabriques exist; name one with --fabrique ("
        + ", ".join(f.slug for f in every)
        + ")"
    )


def _facilitator(email: str) -> Facilitator:
    """The facilitator whose account has this email."""
    facilitator = accounts.get_by_email(email)
    if facilitator is None:
        raise click.ClickException(f"no facilitator with email {email}")
    return facilitator


@click.command("import")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True))
@click.option("--fabrique", "slug", default=None, help="Short name of the Fabrique.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
def import_command(file: str, slug: str | None, as_json: bool) -> None:
    """Import a workshop's JSON export FILE into a Fabrique's portfolio."""
    fabrique = _fabrique(slug)
    with open(file, "rb") as handle:
        raw = handle.read()
    try:
        result = portfolio.import_export(fabrique, raw)
    except WorkshopError as error:
        fail(error)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    click.echo(
        f"{result.status}: {result.title} ({result.workshop_uid}) into {fabrique.slug}: "
        f"{result.challenges} défis, {result.ideas} ideas "
        f"(+{result.added} ~{result.updated} -{result.removed}), "
        f"{result.proposals} merge proposals"
    )


@fabriques_cli.command("create")
@click.argument("slug")
@click.option("--name", default="", help="Full name (default: the slug).")
@click.option("--member", "members", multiple=True, help="Email of a facilitator member.")
def create_fabrique(slug: str, name: str, members: tuple[str, ...]) -> None:
    """Create a Fabrique, optionally with facilitator members."""
    found = [_facilitator(email) for email in members]
    try:
        fabrique = fabriques.create_fabrique(parse_new_fabrique({"slug": slug, "name": name}))
    except WorkshopError as error:
        fail(error)
    for facilitator in found:
        fabriques.add_member(fabrique, facilitator)
    click.echo(f"Created Fabrique {fabrique.slug} ({fabrique.name}).")


@fabriques_cli.command("add-member")
@click.argument("slug")
@click.argument("email")
def add_member(slug: str, email: str) -> None:
    """Make the facilitator EMAIL a member of Fabrique SLUG."""
    fabrique = _fabrique(slug)
    added = fabriques.add_member(fabrique, _facilitator(email))
    click.echo(f"{email} {'is now' if added else 'already was'} a member of {fabrique.slug}.")


@fabriques_cli.command("remove-member")
@click.argument("slug")
@click.argument("email")
def remove_member(slug: str, email: str) -> None:
    """Remove the facilitator EMAIL from Fabrique SLUG."""
    fabrique = _fabrique(slug)
    facilitator = accounts.get_by_email(email)
    if facilitator is None or not fabriques.remove_member(fabrique, facilitator):
        raise click.ClickException(f"{email} is not a member of {fabrique.slug}")
    click.echo(f"{email} is no longer a member of {fabrique.slug}.")


@fabriques_cli.command("list")
def list_fabriques() -> None:
    """List the Fabriques and their members."""
    for fabrique in fabriques.all_fabriques():
        members = ", ".join(sorted(m.email for m in fabrique.members)) or "-"
        click.echo(f"{fabrique.slug}\t{fabrique.name}\t{members}")


@tokens_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="What the token is for (e.g. 'tableur de suivi').")
@click.option("--import", "can_import", is_flag=True, help="Also allow POST /api/v1/imports.")
@click.option(
    "--write", "can_write", is_flag=True, help="Also allow changing projects and candidates."
)
def create_token(slug: str, name: str, can_import: bool, can_write: bool) -> None:
    """Issue an API token for Fabrique SLUG; it is printed once, keep it safe."""
    fabrique = _fabrique(slug)
    scopes = ("read", *(("import",) if can_import else ()), *(("write",) if can_write else ()))
    try:
        issued = fabriques.issue_token(fabrique, name, scopes)
    except WorkshopError as error:
        fail(error)
    click.echo(issued.secret)
    click.echo(
        f"Token {issued.token.id} ({issued.token.prefix}…, {issued.token.scopes}) for "
        f"{fabrique.slug}. It is shown only now.",
        err=True,
    )


@tokens_cli.command("list")
@click.argument("slug")
def list_tokens(slug: str) -> None:
    """List the tokens of Fabrique SLUG (never their secrets)."""
    for token in fabriques.tokens_of(_fabrique(slug)):
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never used"
        click.echo(f"{token.id}\t{token.prefix}…\t{token.name}\t{token.scopes}\t{state}\t{used}")


@tokens_cli.command("revoke")
@click.argument("slug")
@click.argument("token")
def revoke_token(slug: str, token: str) -> None:
    """Revoke TOKEN (its id or prefix) of Fabrique SLUG."""
    try:
        revoked = fabriques.revoke_token(_fabrique(slug), token.rstrip("…"))
    except WorkshopError as error:
        fail(error)
    click.echo(f"Token {revoked.id} ({revoked.prefix}…) revoked.")


def register(app: Flask) -> None:
    """Add these commands to the app's ``flask`` command line."""
    for command in (import_command, fabriques_cli, tokens_cli):
        app.cli.add_command(command)
