"""Participants: join by code or link, then the phone board."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from ..auth import current_participant, set_participant_cookie
from ..errors import UnknownCode, WorkshopError
from ..extensions import limiter
from ..models import Participant, Profile, Workshop
from ..schemas import normalize_code, parse_join
from ..services import guards, lookup, participants
from .common import QR_SIGNATURE_ARG, error_response, qr_signature_valid

bp = Blueprint("participant", __name__)


def _guess_limit() -> str:
    return str(current_app.config["JOIN_GUESS_LIMIT"])


def _create_limit() -> str:
    return str(current_app.config["JOIN_CREATE_LIMIT"])


def _failed_lookup(response: Any) -> bool:
    """Only unknown codes count against an address: a whole room shares one address."""
    return bool(response.status_code == 404)


# A join request asks "which workshop?" and "which participant?" up to four times each:
# each rate limit's exemption check, then the view. When a room of phones joins at once
# these requests are most of what the server does, so each question is answered once
# per request (the answers are kept on ``flask.g``, which lives as long as the request).


def find_workshop(code: str) -> Workshop | None:
    """The workshop with join code ``code``, or ``None``: looked up once per request."""
    found: dict[str, Workshop | None] = g.setdefault("semis_workshops_by_code", {})
    if code not in found:
        try:
            found[code] = lookup.find_by_code(code)
        except UnknownCode:
            found[code] = None
    return found[code]


def joined_as(workshop_id: int) -> Participant | None:
    """:func:`~workshop.auth.current_participant`, identified once per request."""
    known: dict[int, Participant | None] = g.setdefault("semis_participants", {})
    if workshop_id not in known:
        known[workshop_id] = current_participant(workshop_id)
    return known[workshop_id]


def _named_workshop() -> Workshop | None:
    """The workshop whose code the request names (in its path or its form), if any."""
    code = (request.view_args or {}).get("code") or request.form.get("code", "")
    return find_workshop(str(code))


def _already_joined() -> bool:
    """Whether this phone joined the workshop the request names (its cookie says so)."""
    workshop = _named_workshop()
    return workshop is not None and joined_as(workshop.id) is not None


def _knows_the_code() -> bool:
    """A phone that proves it knows the code passes even an address over its budget: its
    cookie (it joined that workshop already) or the signature of the QR code's link
    (only the server signs). Anyone else is refused whatever code it sends, so a refusal
    never tells a right code from a wrong one."""
    workshop = _named_workshop()
    if workshop is None:
        return False
    if joined_as(workshop.id) is not None:
        return True
    signature = request.args.get(QR_SIGNATURE_ARG)
    return signature is not None and qr_signature_valid(workshop, signature)


def _qr_signature_args() -> dict[str, Any]:
    """The QR link's signature, kept on a redirect so that the next page passes too."""
    signature = request.args.get(QR_SIGNATURE_ARG)
    return {} if signature is None else {QR_SIGNATURE_ARG: signature}


# One budget per address for every way of trying a code (a plain ``limit`` would give
# each route its own bucket, multiplying what a guesser may try).
#
# The budget and the code space are sized together (``JOIN_GUESS_LIMIT``, ``CODE_LENGTH``):
#
# - A venue puts a whole room behind one address. Only failed look-ups count, so 400
#   phones joining cost nothing; if 10 % of them mistype the code once that is 40
#   failures, well inside 100 per hour. Phones that scan the QR code never count, and
#   pass even once the budget is spent: its link is signed.
# - A guesser gets at most 400 failures per day window, 800 in any 24 hours (two fixed
#   windows). With 8-character codes over 31 letters and digits (31**8 ≈ 8.5e11) and up
#   to 1,000 open workshops on a server, its chance of hitting any of them in a day is
#   at most 800 × 1,000 / 8.5e11 ≈ 9.4e-7 < 1e-6 (for one given workshop, 9.4e-10).
#   A forged signature is a failed guess too (it answers 404).
join_code_guesses = limiter.shared_limit(
    _guess_limit, scope="join-code", deduct_when=_failed_lookup, exempt_when=_knows_the_code
)

# Participants one address may create (``JOIN_CREATE_LIMIT``, every join form sent counts,
# refused ones too: a count taken after the answer would let a burst of simultaneous
# requests through). Each one is stored and announced to the room, so a script must not
# make a hundred in half a second; a venue never reaches it (see the README):
#
# - 400 phones behind one address within about 5 minutes, at most 30 in any 10 seconds
#   when the QR code goes up, one in ten sending the form twice (a pseudonym left
#   empty): at most 33 forms in 10 seconds (limit 40) and 440 in the hour (limit 1,000).
# - A script gets 40 participants in one burst (80 astride two windows), then 1,000 an
#   hour and 3,000 a day at most.
join_creations = limiter.limit(
    _create_limit, scope="join-create", methods=["POST"], exempt_when=_already_joined
)


@bp.post("/join")
@join_code_guesses
def join_by_code() -> Any:
    """The code typed on the home page: go to that workshop's join page."""
    code = request.form.get("code", "")
    try:
        workshop = lookup.find_by_code(code)
    except UnknownCode as error:
        return render_template("home.html", code=code, error=error, facilitator=None), 404
    return redirect(url_for("participant.join", code=workshop.code))


@bp.route("/j/<code>", methods=["GET", "POST"])
@join_code_guesses
@join_creations
def join(code: str) -> Any:
    """Pick a pseudonym and a profile, read the data notice, and join. A phone that has
    joined already goes straight to the board. The QR code's link adds a signature
    (``?t=``); a wrong one is answered as an unknown code, and counted as one."""
    workshop = find_workshop(code)
    if workshop is None:
        return error_response(UnknownCode())
    if workshop.code != code:  # typed in lower case or with a space: canonical URL
        return redirect(url_for("participant.join", code=workshop.code, **_qr_signature_args()))
    if joined_as(workshop.id) is not None:
        return redirect(url_for("participant.board", code=workshop.code))
    signature = request.args.get(QR_SIGNATURE_ARG)
    if signature is not None and not qr_signature_valid(workshop, signature):
        return error_response(UnknownCode())

    def to_the_board(_participant: Participant, token: str) -> Any:
        response = redirect(url_for("participant.board", code=workshop.code))
        set_participant_cookie(response, workshop.id, token)
        return response

    return join_form(workshop, to_the_board)


def join_form(
    workshop: Workshop,
    after_join: Callable[[Participant, str], Any],
    then: Callable[[Workshop, Participant], None] | None = None,
    **page: Any,
) -> Any:
    """The join form of ``workshop`` (the join link and a table's QR code both show it).

    A valid POST creates the participant (``then`` in the join's transaction: see
    :func:`participants.join`) and ``after_join(participant, token)`` answers (it sets
    the cookie); a refused one shows the form again with its error and status; a GET
    says why joining is closed, if it is. ``page``: what join.html shows besides (the
    table a QR code seats at)."""
    form = request.form.to_dict()
    error: WorkshopError | None = None
    if request.method == "POST":
        try:
            participant, token = participants.join(workshop.id, parse_join(form), then)
        except WorkshopError as caught:
            error = caught
        else:
            return after_join(participant, token)
    else:
        try:
            guards.check_joinable(workshop)
        except WorkshopError as caught:
            error = caught
    status = error.status if error is not None and request.method == "POST" else 200
    return render_template(
        "join.html", workshop=workshop, form=form, error=error, profiles=list(Profile), **page
    ), status


@bp.get("/w/<code>")
@join_code_guesses
def board(code: str) -> Any:
    """The phone board: ideas wall, posting form, the participant's own ideas."""
    workshop = find_workshop(normalize_code(code))
    if workshop is None:
        return error_response(UnknownCode())
    participant = joined_as(workshop.id)
    if participant is None:
        return redirect(url_for("participant.join", code=workshop.code, **_qr_signature_args()))
    return render_template("phone.html", workshop=workshop, participant=participant)
