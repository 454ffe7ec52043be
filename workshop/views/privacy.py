"""Personal data: the phone's « Supprimer mes données », and the facilitators' privacy
page (who is responsible, retention, what an erasure does to ideas), contacts page and
deletion of a whole workshop. The rules are :mod:`workshop.services.privacy`'s; the
information notice is ``templates/privacy/_notice.html``, shown at join and on the
phone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..auth import current_participant, disconnect_participant, login_required, participant_cookie
from ..errors import UnknownCode, ValidationError, WorkshopError
from ..models import Workshop
from ..schemas import ErasureIdeas, normalize_code, parse_privacy_settings
from ..services import lookup, privacy
from .access import me, own_workshop
from .common import error_response, form_page
from .participant import join_code_guesses

bp = Blueprint("privacy", __name__)


@bp.route("/j/<code>/erase", methods=["GET", "POST"])
@join_code_guesses
def erase_mine(code: str) -> Any:
    """« Supprimer mes données »: what goes (and what happens to the ideas), then, once
    confirmed, the erasure; the phone forgets its identity."""
    try:
        workshop = lookup.find_by_code(code)
    except UnknownCode as unknown:
        return error_response(unknown)
    participant = current_participant(workshop.id)
    if participant is None:
        return redirect(url_for("participant.join", code=workshop.code))
    if request.method == "GET":
        return render_template("privacy/erase.html", workshop=workshop, participant=participant)
    erasure = privacy.erase_participant(workshop.id, participant.id)
    disconnect_participant(workshop.id, participant.id)
    response = current_app.make_response(
        render_template("privacy/erased.html", workshop=workshop, erasure=erasure)
    )
    response.delete_cookie(participant_cookie(workshop.id), samesite="Lax", httponly=True)
    return response


@bp.route("/f/w/<int:workshop_id>/privacy", methods=["GET", "POST"])
@login_required
def settings(workshop_id: int) -> Any:
    """The workshop's data settings, shown to participants in the notice at join."""
    workshop = own_workshop(workshop_id)
    if request.method == "GET":
        return _settings_page(workshop)
    form = request.form.to_dict()
    try:
        privacy.update_settings(workshop.id, me(), parse_privacy_settings(form))
    except WorkshopError as error:
        return _settings_page(workshop, error, form)
    flash(_("The data settings are saved."), "success")
    return redirect(url_for("privacy.settings", workshop_id=workshop.id))


def _settings_page(
    workshop: Workshop, error: WorkshopError | None = None, form: dict[str, Any] | None = None
) -> Any:
    saved = {
        "organiser": workshop.organiser,
        "organiser_contact": workshop.organiser_contact,
        "recipient": workshop.recipient,
        "retention_days": "" if workshop.retention_days is None else workshop.retention_days,
        "erasure_ideas": ErasureIdeas.KEEP if workshop.erasure_keeps_ideas else ErasureIdeas.DELETE,
    }
    return form_page(
        "privacy/settings.html",
        error,
        workshop=workshop,
        form={**saved, **(form or {})},
        default_days=current_app.config["RETENTION_DAYS"],
        retention_days=privacy.retention_days(workshop),
    )


@bp.get("/f/w/<int:workshop_id>/contacts")
@login_required
def contacts(workshop_id: int) -> Any:
    """The volunteers who agreed to be contacted, with their details: only here and in
    the exports (never on the live console, which may be projected)."""
    workshop = own_workshop(workshop_id)
    return render_template(
        "privacy/contacts.html", workshop=workshop, offers=privacy.contacts(workshop)
    )


@bp.post("/f/w/<int:workshop_id>/delete")
@login_required
def delete(workshop_id: int) -> Any:
    """Delete the whole workshop, once its join code is typed to confirm."""
    workshop = own_workshop(workshop_id)
    if normalize_code(request.form.get("confirm_code", "")) != workshop.code:
        error = ValidationError(
            _("Type the workshop's code to confirm: nothing was deleted."),
            field="confirm_code",
            reason="confirm",
        )
        return _settings_page(workshop, error)
    title = privacy.delete_workshop(workshop.id, me())
    flash(_("The workshop « %(title)s » and all its data are deleted.", title=title), "success")
    return redirect(url_for("facilitator.dashboard"))
