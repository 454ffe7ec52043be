"""Participants: join by code or link, then the phone board."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from ..auth import current_participant, set_participant_cookie
from ..errors import UnknownCode, WorkshopError
from ..extensions import limiter
from ..models import Profile
from ..schemas import normalize_code, parse_join
from ..services import guards, lookup, participants
from .common import error_response

bp = Blueprint("participant", __name__)


def _guess_limit() -> str:
    return str(current_app.config["JOIN_GUESS_LIMIT"])


def _failed_lookup(response: Any) -> bool:
    """Only unknown codes count against an address: a whole room shares one address."""
    return bool(response.status_code == 404)


def _already_joined() -> bool:
    """A phone that joined the workshop the code names passes even an address over its
    budget: its cookie proves it knows the code. Anyone else is refused whatever code it
    sends, so a refusal never tells a right code from a wrong one."""
    code = (request.view_args or {}).get("code") or request.form.get("code", "")
    try:
        workshop = lookup.find_by_code(str(code))
    except UnknownCode:
        return False
    return current_participant(workshop.id) is not None


# One budget per address for every way of trying a code (a plain ``limit`` would give
# each route its own bucket, multiplying what a guesser may try).
#
# The budget and the code space are sized together (``JOIN_GUESS_LIMIT``, ``CODE_LENGTH``):
#
# - A venue puts a whole room behind one address. Only failed look-ups count, so 400
#   phones joining cost nothing; if 10 % of them mistype the code once that is 40
#   failures, well inside 100 per hour.
# - A guesser gets at most 400 failures per day window, 800 in any 24 hours (two fixed
#   windows). With 8-character codes over 31 letters and digits (31**8 ≈ 8.5e11) and up
#   to 1,000 open workshops on a server, its chance of hitting any of them in a day is
#   at most 800 × 1,000 / 8.5e11 ≈ 9.4e-7 < 1e-6 (for one given workshop, 9.4e-10).
join_code_guesses = limiter.shared_limit(
    _guess_limit, scope="join-code", deduct_when=_failed_lookup, exempt_when=_already_joined
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
def join(code: str) -> Any:
    """Pick a pseudonym and a profile, read the data notice, and join. A phone that has
    joined already goes straight to the board."""
    try:
        workshop = lookup.find_by_code(code)
    except UnknownCode as unknown:
        return error_response(unknown)
    if workshop.code != code:  # typed in lower case or with a space: canonical URL
        return redirect(url_for("participant.join", code=workshop.code))
    if current_participant(workshop.id) is not None:
        return redirect(url_for("participant.board", code=workshop.code))
    form = request.form.to_dict()
    error: WorkshopError | None = None
    if request.method == "POST":
        try:
            _participant, token = participants.join(workshop.id, parse_join(form))
        except WorkshopError as caught:
            error = caught
        else:
            response = redirect(url_for("participant.board", code=workshop.code))
            set_participant_cookie(response, workshop.id, token)
            return response
    else:
        try:
            guards.check_joinable(workshop)
        except WorkshopError as caught:
            error = caught
    status = error.status if error is not None and request.method == "POST" else 200
    return render_template(
        "join.html", workshop=workshop, form=form, error=error, profiles=list(Profile)
    ), status


@bp.get("/w/<code>")
@join_code_guesses
def board(code: str) -> Any:
    """The phone board: ideas wall, posting form, the participant's own ideas."""
    normalized = normalize_code(code)
    try:
        workshop = lookup.find_by_code(normalized)
    except UnknownCode as error:
        return error_response(error)
    participant = current_participant(workshop.id)
    if participant is None:
        return redirect(url_for("participant.join", code=workshop.code))
    return render_template("phone.html", workshop=workshop, participant=participant)
