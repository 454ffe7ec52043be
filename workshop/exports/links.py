"""Where a workshop is reached: the public base URL and the links a facilitator hands out.

One home for every caller: the console and its QR code, the projected screen, the
``flask --app workshop workshops create`` command, and the join URL an export carries.
The links work outside a request too (a command, an export made by the CLI).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import current_app, has_request_context, request, url_for

from ..models import Workshop

# Where a server without PUBLIC_URL is reached when there is no request to ask.
_LOCAL_URL = "http://127.0.0.1:5000"


def public_base_url() -> str:
    """Where phones reach this server: ``PUBLIC_URL`` or the URL of the current request."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return str(configured).rstrip("/")
    try:
        return request.host_url.rstrip("/")
    except RuntimeError:  # no request (CLI)
        return _LOCAL_URL


@contextmanager
def _public_urls() -> Iterator[None]:
    """Where ``url_for`` works: the current request, else one on :func:`public_base_url`."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context(base_url=public_base_url()):
        yield


def external_url(endpoint: str, **values: Any) -> str:
    """The URL of ``endpoint`` as phones and other computers reach it."""
    with _public_urls():
        return public_base_url() + url_for(endpoint, _external=False, **values)


def join_url(workshop: Workshop) -> str:
    """The page where participants join ``workshop`` (also in its QR code and export)."""
    return external_url("participant.join", code=workshop.code)


def workshop_links(workshop: Workshop) -> dict[str, Any]:
    """The URLs a facilitator hands out for a workshop."""
    return {
        "id": workshop.id,
        "code": workshop.code,
        "join_url": join_url(workshop),
        "screen_url": external_url("screen.show", code=workshop.code, key=workshop.screen_key),
        "console_url": external_url("facilitator.console", workshop_id=workshop.id),
    }
