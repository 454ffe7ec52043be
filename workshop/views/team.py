"""The organising team of a workshop (« Équipe d'animation »), account invitations, and
the page an invitation link opens.

A facilitator invites by email and gets a link to send themself (Semis sends no email);
whoever opens it creates the invited address's account, or signs in to it, and joins.
The rules are :mod:`workshop.services.team`'s; here, who is signed in, the forms and the
pages. Opening a link signs nobody in by itself: an existing account still gives its
password, counted against it as on the sign-in page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_datetime
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..auth import current_facilitator, disconnect_account, login_required, sign_in, sign_out
from ..errors import EmailTaken, NotFound, ValidationError, WorkshopError
from ..exports.links import external_url
from ..exports.localized import timezone
from ..extensions import limiter
from ..models import Invitation, Workshop
from ..schemas import parse_email, parse_password, text
from ..services import accounts, team
from .access import me, own_workshop
from .common import form_page
from .main import failed_sign_in, throttle_per_address

bp = Blueprint("team", __name__, url_prefix="/f")


def _invited_email() -> str:
    return team.invited_email((request.view_args or {}).get("token"))


# Wrong passwords given through an invitation link count against the invited account
# as those of the sign-in page do: a link is no way around its limit.
throttle_invited_account = limiter.limit(
    lambda: str(current_app.config["LOGIN_ACCOUNT_LIMIT"]),
    key_func=_invited_email,
    scope="invitation-account",
    methods=["POST"],
    deduct_when=failed_sign_in,
    # A link that invites nobody has no account to guess (the per-address limit still
    # counts), rather than Flask-Limiter logging an error for the empty key.
    exempt_when=lambda: not _invited_email(),
)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"when": when}


def when(moment: dt.datetime | None) -> str:
    """A moment as the pages say it: in the server's time zone (``TIMEZONE``, as the
    exports), in the page's language."""
    if moment is None:
        return ""
    local = moment.astimezone(timezone())
    return format_datetime(local, "d MMMM y, HH:mm", locale=str(get_locale() or "fr"))


def invitation_url(secret: str) -> str:
    """The link an invitation's secret opens, on the server's public address."""
    return external_url("team.accept", token=secret)


# ----------------------------------------------------------------- the team page


def _team_page(
    workshop: Workshop,
    error: WorkshopError | None = None,
    issued: team.IssuedInvitation | None = None,
) -> Any:
    return form_page(
        "facilitator/team.html",
        error,
        workshop=workshop,
        members=team.team_of(workshop),
        pending=team.pending_of(workshop),
        state_of=team.state_of,
        issued=issued,
        issued_url=invitation_url(issued.secret) if issued else None,
        form=request.form if error else {},
        me=me(),
    )


@bp.get("/w/<int:workshop_id>/team")
@login_required
def page(workshop_id: int) -> Any:
    """The team: its facilitators (the owner marked, who invited whom and when), the
    pending invitations, a form to invite someone by email."""
    return _team_page(own_workshop(workshop_id))


@bp.post("/w/<int:workshop_id>/team")
@login_required
def invite(workshop_id: int) -> Any:
    """Invite an address to the team: the page comes back with the link to send (shown
    this once: only its hash is kept)."""
    workshop = own_workshop(workshop_id)
    try:
        issued = team.invite_to_team(workshop.id, me(), parse_email(request.form.get("email")))
    except WorkshopError as error:
        return _team_page(workshop, error)
    return _team_page(workshop, issued=issued)


@bp.post("/w/<int:workshop_id>/team/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(workshop_id: int, invitation_id: int) -> Any:
    """Withdraw a pending invitation to the team: its link stops working."""
    workshop = own_workshop(workshop_id)
    try:
        team.revoke(workshop.id, me(), invitation_id)
    except WorkshopError as error:
        return _team_page(workshop, error)
    flash(_("Invitation withdrawn: its link no longer works."), "success")
    return redirect(url_for("team.page", workshop_id=workshop.id))


@bp.post("/w/<int:workshop_id>/team/<int:facilitator_id>/remove")
@login_required
def remove(workshop_id: int, facilitator_id: int) -> Any:
    """Take a co-facilitator off the team (not the owner); one who removes themself
    leaves. Their open consoles are disconnected: they no longer get the room's news."""
    workshop = own_workshop(workshop_id)
    try:
        removed = team.remove_member(workshop.id, me(), facilitator_id)
    except WorkshopError as error:
        return _team_page(workshop, error)
    # Every socket of the account: the others reconnect by themselves to the workshops
    # it still runs, this one's is refused from now on.
    disconnect_account(removed.id)
    if removed.id == me().id:
        flash(_("You left the team of « %(title)s ».", title=workshop.title), "success")
        return redirect(url_for("facilitator.dashboard"))
    flash(_("%(email)s is no longer on the team.", email=removed.email), "success")
    return redirect(url_for("team.page", workshop_id=workshop.id))


# ------------------------------------------------------------ account invitations


def _accounts_page(
    error: WorkshopError | None = None, issued: team.IssuedInvitation | None = None
) -> Any:
    return form_page(
        "facilitator/invite_account.html",
        error,
        invitations=team.account_invitations_by(me()),
        state_of=team.state_of,
        issued=issued,
        issued_url=invitation_url(issued.secret) if issued else None,
        form=request.form if error else {},
    )


@bp.get("/invitations")
@login_required
def accounts_page() -> Any:
    """Invite someone to create a facilitator account on this server (no workshop)."""
    return _accounts_page()


@bp.post("/invitations")
@login_required
def invite_account() -> Any:
    """Create an account invitation: the page comes back with its link, shown once."""
    try:
        issued = team.invite_account(me(), parse_email(request.form.get("email")))
    except WorkshopError as error:
        return _accounts_page(error)
    return _accounts_page(issued=issued)


@bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_account(invitation_id: int) -> Any:
    """Withdraw one's own pending account invitation."""
    try:
        team.revoke(None, me(), invitation_id)
    except WorkshopError as error:
        return _accounts_page(error)
    flash(_("Invitation withdrawn: its link no longer works."), "success")
    return redirect(url_for("team.accounts_page"))


# -------------------------------------------------------------- opening the link


def _accept_page(invitation: Invitation, error: WorkshopError | None = None) -> Any:
    signed_in = current_facilitator()
    return form_page(
        "invitation/accept.html",
        error,
        invitation=invitation,
        has_account=accounts.get_by_email(invitation.email) is not None,
        signed_in=signed_in,
        form=request.form if error else {},
    )


def _unusable_page(error: NotFound) -> Any:
    return render_template("invitation/unusable.html", error=error), error.status


def _joined(invitation: Invitation) -> Any:
    """Where an accepted invitation leads: the workshop's console, else the dashboard."""
    if invitation.workshop_id is not None:
        workshop = invitation.workshop
        assert workshop is not None  # noqa: S101 - the invitation's workshop still exists
        flash(_("Welcome to the team of « %(title)s ».", title=workshop.title), "success")
        return redirect(url_for("facilitator.console", workshop_id=workshop.id))
    if invitation.created_account:
        flash(_("Your account is ready. Create your first workshop."), "success")
    else:
        flash(_("You already had an account: here are your workshops."), "info")
    return redirect(url_for("facilitator.dashboard"))


@bp.get("/join/<token>")
def accept(token: str) -> Any:
    """What the link says: whose invitation, to what; the form to create the account, or
    to sign in to the existing one; or why it no longer works."""
    try:
        invitation = team.usable(token)
    except NotFound as error:
        return _unusable_page(error)
    return _accept_page(invitation)


@bp.post("/join/<token>")
@throttle_invited_account
@throttle_per_address
def accept_post(token: str) -> Any:
    """Accept the invitation: with a new account (name and password), with the existing
    one's password, or as the account already signed in here. ``action=sign_out`` signs
    out another account first."""
    try:
        invitation = team.usable(token)
    except NotFound as error:
        return _unusable_page(error)
    form = request.form.to_dict()
    signed_in = current_facilitator()
    if form.get("action") == "sign_out":
        if signed_in is not None:
            sign_out(signed_in)
        return redirect(url_for("team.accept", token=token))
    try:
        if signed_in is not None:
            team.accept_as(token, signed_in)
        elif accounts.get_by_email(invitation.email) is not None:
            facilitator = accounts.authenticate(invitation.email, str(form.get("password", "")))
            team.accept_as(token, facilitator)
            sign_in(facilitator, remember=False)
        else:
            name = text(form, "name", max_len=80)
            password = parse_password(form.get("password"))
            if form.get("password_confirm") != password:
                raise ValidationError(
                    _("The two passwords differ."), field="password_confirm", reason="mismatch"
                )
            facilitator = team.accept_with_new_account(token, name, password)
            sign_in(facilitator, remember=False)
    except NotFound as error:
        return _unusable_page(error)
    except EmailTaken:
        # The account was created meanwhile (another tab): sign in to it instead.
        return _accept_page(invitation)
    except WorkshopError as error:
        return _accept_page(invitation, error)
    return _joined(invitation)
