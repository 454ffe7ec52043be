"""How a ``flask --app workshop …`` command reports a refusal: one rule for every command.

``code: message`` (the stable code a script can match, then the translated message),
then one line per faulty line when an imported file has several. It lives here, below
the command modules, because ``workshop.cli`` and ``workshop.portfolio_cli`` may not
import each other (the layers of ``pyproject.toml``); it needs nothing but click.
"""

from __future__ import annotations

from typing import NoReturn

import click

from ..errors import WorkshopError


def describe(error: WorkshopError) -> str:
    """The text of ``error`` for a terminal."""
    message = f"{error.code}: {error.message}"
    lines = error.details.get("errors")
    if isinstance(lines, list) and len(lines) > 1:
        message += "".join(f"\n  {line.get('message', line)}" for line in lines)
    return message


def fail(error: WorkshopError) -> NoReturn:
    """Stop the command with ``error`` (exit status 1, no traceback)."""
    raise click.ClickException(describe(error)) from None
