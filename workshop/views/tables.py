"""The défi tables over HTTP (issue #13): the facilitator's tables page and printable
cards, and the links printed on them.

Each table's card carries a QR code of its *seat link*, ``/j/<code>/t/<token>``:
scanning it joins the workshop (the join form, when the phone has not joined yet) and
seats the phone at that table. A *host link*, ``/j/<code>/host/<token>``, does the same
and makes the phone the table's host. The token is ``<table id>-<signature>``: an
HMAC of the workshop and the table under the app's secret key, with a salt per purpose,
so a seat link never opens a host's console and a link never names another workshop's
table. Like the join QR code's signature (:mod:`workshop.views.common`) it is cut to
12 base64 characters (72 bits: a forged one is a guess against a 404), keeps the QR code
small, never expires (cards are printed days ahead) and still verifies under a key kept
in ``SECRET_KEY_FALLBACKS``.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from itsdangerous import Signer

from ..auth import login_required, set_participant_cookie
from ..errors import NotFound, TableFull, UnknownCode, WorkshopError
from ..exports.links import external_url
from ..extensions import limiter
from ..models import Participant, Profile, Table, Workshop
from ..services import lookup, table_board, tables
from .access import own_workshop
from .common import error_response, qr_svg
from .participant import find_workshop, join_creations, join_form, joined_as
from .table_strings import default_kind_labels

bp = Blueprint("tables", __name__)

SEAT = "table-seat"
HOST = "table-host"
TOKEN_SIGNATURE_LENGTH = 12
CARD_SIZES = ("a4", "a5")


def _signature(workshop: Workshop, table_id: int, purpose: str, key: str | bytes) -> bytes:
    signer = Signer(key, salt=purpose, digest_method=hashlib.sha256)
    return signer.get_signature(f"{workshop.id}:{workshop.code}:{table_id}")[
        :TOKEN_SIGNATURE_LENGTH
    ]


def table_token(workshop: Workshop, table_id: int, purpose: str) -> str:
    """The token of a table's seat link (``SEAT``) or host link (``HOST``)."""
    key = current_app.config["SECRET_KEY"]
    return f"{table_id}-{_signature(workshop, table_id, purpose, key).decode()}"


def token_table_id(workshop: Workshop, token: str, purpose: str) -> int | None:
    """The table a token names, when it was signed for ``workshop`` and ``purpose`` under
    the secret key or one of its fallbacks; ``None`` otherwise."""
    number, _sep, signature = token.partition("-")
    if not number.isdigit() or len(number) > 12 or not signature:
        return None
    table_id = int(number)
    keys = [
        current_app.config["SECRET_KEY"],
        *(current_app.config.get("SECRET_KEY_FALLBACKS") or []),
    ]
    given = signature.encode()
    valid = any(
        hmac.compare_digest(_signature(workshop, table_id, purpose, key), given) for key in keys
    )
    return table_id if valid else None


def seat_url(workshop: Workshop, table_id: int) -> str:
    """The seat link a table's card prints (and its QR code encodes)."""
    return external_url(
        "tables.seat", code=workshop.code, token=table_token(workshop, table_id, SEAT)
    )


def host_url(workshop: Workshop, table_id: int) -> str:
    """The link that makes whoever opens it the table's host: for the facilitator to
    hand to a host, never printed on the table's card."""
    return external_url(
        "tables.host", code=workshop.code, token=table_token(workshop, table_id, HOST)
    )


def _knows_the_table() -> bool:
    """A table link passes even an address over its guessing budget when its token is
    valid (only the server signs), like the join QR code's link; a phone of the
    workshop (its cookie) too. A forged token answers 404 and counts as a guess."""
    args = request.view_args or {}
    workshop = find_workshop(str(args.get("code", "")))
    if workshop is None:
        return False
    if joined_as(workshop.id) is not None:
        return True
    purpose = HOST if request.endpoint == "tables.host" else SEAT
    return token_table_id(workshop, str(args.get("token", "")), purpose) is not None


# The join routes' budget (``participant.join_code_guesses``: the same scope, so one
# bucket per address for every way of trying a code), with the table link's exemption.
table_link_guesses = limiter.shared_limit(
    lambda: str(current_app.config["JOIN_GUESS_LIMIT"]),
    scope="join-code",
    deduct_when=lambda response: bool(response.status_code == 404),
    exempt_when=_knows_the_table,
)


# ------------------------------------------------------------------ facilitator pages


@bp.get("/f/w/<int:workshop_id>/tables")
@login_required
def page(workshop_id: int) -> Any:
    """The tables page: create tables from the défis, capacities, hosts (promote a
    participant or hand out a host link), seating and balancing by profile, rounds, the
    contribution kinds, and the cards to print. Actions are socket commands (static/js/
    tables/manage.js, as the console's); this page renders what they act on, and the
    links only the server can sign."""
    workshop = own_workshop(workshop_id)
    board = table_board.seating_board(workshop)
    links = {
        table.id: {
            "seat": seat_url(workshop, table.id),
            "host": host_url(workshop, table.id),
            # Shown to the host to scan from the facilitator's screen, never printed.
            "host_qr": qr_svg(host_url(workshop, table.id)),
        }
        for table in board.tables
    }
    return render_template(
        "facilitator/tables.html",
        workshop=workshop,
        board=board,
        links=links,
        profiles=list(Profile),
        kind_defaults=default_kind_labels(),
    )


@bp.get("/f/w/<int:workshop_id>/tables/cards")
@login_required
def cards(workshop_id: int) -> Any:
    """One printable card per table (``?size=a4`` or ``a5``): « Table N », the défi and
    its question, a large QR code of the table's seat link and the link as text."""
    workshop = own_workshop(workshop_id)
    size = request.args.get("size", "a4").lower()
    if size not in CARD_SIZES:
        size = "a4"
    board = table_board.seating_board(workshop)
    cards = [
        {
            "table": table,
            "challenge": board.challenges.get(table.challenge_id),
            "url": seat_url(workshop, table.id),
            "qr": qr_svg(seat_url(workshop, table.id)),
        }
        for table in board.tables
    ]
    return render_template(
        "facilitator/table_cards.html", workshop=workshop, cards=cards, size=size
    )


# --------------------------------------------------------------------- table links


def _table_of(workshop: Workshop, token: str, purpose: str) -> Table:
    """The table a link names, or :class:`NotFound` (a forged, foreign or stale token:
    the same answer for each, a translated 404)."""
    table_id = token_table_id(workshop, token, purpose)
    table = table_board.find_table(workshop.id, table_id) if table_id is not None else None
    if table is None:
        raise NotFound()
    return table


@dataclass(frozen=True)
class _Link:
    """What a table link names, read before the join's and the seat's commits expire
    the rows (each attribute read after them would be a query)."""

    workshop_id: int
    code: str
    table_id: int


def _arrive(link: _Link, participant_id: int, purpose: str) -> Any:
    """Seat (or promote) a phone that has joined: to the phone page, or to the list of
    tables with seats left when this one is full."""
    try:
        tables.seat_from_link(
            link.workshop_id, participant_id, link.table_id, as_host=purpose == HOST
        )
    except TableFull as full:
        table = table_board.find_table(link.workshop_id, link.table_id)
        if table is None:  # deleted meanwhile
            return error_response(NotFound())
        return _full(lookup.get_workshop(link.workshop_id), table, full)
    return redirect(url_for("participant.board", code=link.code))


def _full(workshop: Workshop, table: Table, error: WorkshopError) -> Any:
    """The table is full: the tables with seats left, each with its own seat link."""
    free = [
        {
            "table": other.table,
            "challenge": other.challenge,
            "left": other.left,
            "url": url_for(
                "tables.seat",
                code=workshop.code,
                token=table_token(workshop, other.table.id, SEAT),
            ),
        }
        for other in table_board.free_tables(workshop, besides=table.id)
    ]
    return render_template(
        "table_full.html", workshop=workshop, table=table, error=error, free=free
    ), 409


def _table_link(code: str, token: str, purpose: str) -> Any:
    # The rate limits' exemptions looked the workshop and the phone up already: once
    # per request (participant.find_workshop, joined_as).
    workshop = find_workshop(code)
    if workshop is None:
        return error_response(UnknownCode())
    endpoint = "tables.host" if purpose == HOST else "tables.seat"
    if workshop.code != code:  # typed in lower case: the canonical URL
        return redirect(url_for(endpoint, code=workshop.code, token=token))
    try:
        table = _table_of(workshop, token, purpose)
    except NotFound as missing:
        return error_response(missing)
    link = _Link(workshop.id, workshop.code, table.id)
    participant = joined_as(workshop.id)
    if participant is not None:
        return _arrive(link, participant.id, purpose)
    if request.method == "GET" and purpose == SEAT and table_board.seats_left(workshop, table) <= 0:
        return _full(workshop, table, TableFull())
    # Filled in: the join and the seat in one transaction (tables.seat_newcomer).
    refused: list[WorkshopError] = []

    def sit_there(joined_workshop: Workshop, joined: Participant) -> None:
        error = tables.seat_newcomer(
            joined_workshop, joined, link.table_id, as_host=purpose == HOST
        )
        if error is not None:
            refused.append(error)

    def to_the_table(_joined: Participant, cookie: str) -> Any:
        response: Any
        if refused and isinstance(refused[0], TableFull):  # full meanwhile: the list
            body, status = _full(lookup.get_workshop(link.workshop_id), table, refused[0])
            response = current_app.make_response((body, status))
        else:  # seated, or joined at a step where tables are no longer chosen
            if refused:
                flash(str(refused[0].message), "info")
            response = redirect(url_for("participant.board", code=link.code))
        set_participant_cookie(response, link.workshop_id, cookie)
        return response

    return join_form(workshop, to_the_table, sit_there, table=table, hosting=purpose == HOST)


@bp.route("/j/<code>/t/<token>", methods=["GET", "POST"])
@table_link_guesses
@join_creations
def seat(code: str, token: str) -> Any:
    """A table's QR code: join (when the phone has not yet) and sit at that table."""
    return _table_link(code, token, SEAT)


@bp.route("/j/<code>/host/<token>", methods=["GET", "POST"])
@table_link_guesses
@join_creations
def host(code: str, token: str) -> Any:
    """A table's host link: join (when the phone has not yet) and host that table."""
    return _table_link(code, token, HOST)
