"""Where a workshop is reached: the public base URL and the links a facilitator hands out.

One home for every caller: the console and its QR code, the projected screen, the
``flask --app workshop workshops create`` command, and the join URL an export carries.
The links work outside a request too (a command, an export made by the CLI): they then
use ``PUBLIC_URL``, else the address the server listens on, from the ``HOST`` and
``PORT`` variables that ``make run`` and ``run.py`` read.

:func:`phone_reachability` tells the console when phones could not open its links: a
link to the loopback (127.0.0.1, localhost, ::1) reaches only the computer it runs on,
and so does a server listening only there.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for

from ..models import Workshop

# Where run.py listens when HOST and PORT are not set (the Makefile's defaults too).
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
# Listening on every interface: phones reach the server at the machine's own address.
_ANY_ADDRESS = ("0.0.0.0", "::", "")  # noqa: S104 - names it, binds nothing


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` names this computer only: 127.0.0.0/8, ::1 or localhost."""
    name = (host or "").strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def listen_address() -> tuple[str, int]:
    """Where the server listens: ``HOST`` and ``PORT`` from the environment (run.py's)."""
    host = os.environ.get("HOST", "").strip() or DEFAULT_HOST
    try:
        port = int(os.environ.get("PORT", "").strip() or DEFAULT_PORT)
    except ValueError:
        port = DEFAULT_PORT
    return host, port


def lan_address() -> str | None:
    """This computer's address on the local network (what phones on the same Wi-Fi
    type), or ``None`` when it has none but the loopback.

    The address the system would send from: a UDP socket is "connected" to a
    documentation address (RFC 5737), which only looks up the route; no packet leaves,
    and no name is resolved (the host name's look-up can wait seconds for a DNS)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if is_loopback(address) or address in _ANY_ADDRESS else address


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def server_base_url() -> str:
    """Where this server is reached when there is no request to ask: ``HOST`` and
    ``PORT``, with the network address in place of 0.0.0.0 (every interface)."""
    host, port = listen_address()
    if host in _ANY_ADDRESS:
        host = lan_address() or DEFAULT_HOST
    return f"http://{_url_host(host)}:{port}"


def public_base_url() -> str:
    """Where phones reach this server: ``PUBLIC_URL``, the URL of the current request,
    or (outside a request: a command) :func:`server_base_url`."""
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return str(configured).rstrip("/")
    try:
        return request.host_url.rstrip("/")
    except RuntimeError:  # no request (CLI)
        return server_base_url()


@dataclass(frozen=True)
class Reachability:
    """Why phones cannot open a workshop's links, and what would fix it.

    ``loopback_url``: the links point to this computer only (``host``), and
    ``public_url`` says they come from ``PUBLIC_URL``; ``loopback_listen``: the server
    listens on the loopback only (``HOST``), so a phone gets no answer whatever the link.
    ``lan_url`` is the console's address on the local network to open instead, when
    known."""

    host: str
    loopback_url: bool
    loopback_listen: bool
    lan_url: str | None
    public_url: bool = False


def phone_reachability(url: str, console_path: str = "/") -> Reachability | None:
    """``None`` when phones can open ``url`` as far as this server can tell; else why not.

    Behind a reverse proxy (``PUBLIC_URL`` or ``PROXY_COUNT`` set) only the link itself
    is judged: the proxy, not this process, faces the phones."""
    host = urlsplit(url).hostname or ""
    loopback_url = is_loopback(host)
    public_url = bool(current_app.config.get("PUBLIC_URL"))
    behind_proxy = public_url or bool(current_app.config.get("PROXY_COUNT"))
    listen_host, port = listen_address()
    loopback_listen = not behind_proxy and is_loopback(listen_host)
    if not (loopback_url or loopback_listen):
        return None
    lan = None if behind_proxy else lan_address()
    lan_url = f"http://{_url_host(lan)}:{port}{console_path}" if lan else None
    return Reachability(host, loopback_url, loopback_listen, lan_url, public_url)


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
