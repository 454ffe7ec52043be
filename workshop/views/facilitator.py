"""Facilitators: workshops list, creation from a preset, agenda, and the live console."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..auth import login_required, presence
from ..errors import WorkshopError
from ..exports.links import phone_reachability, workshop_links
from ..phases import FORMAT_LABELS, KIND_LABELS, PRESETS, Format, PhaseKind
from ..schemas import parse_agenda, parse_new_workshop
from ..services import participants, workshops
from .access import me, own_workshop
from .common import form_page, qr_join_url, qr_svg

bp = Blueprint("facilitator", __name__, url_prefix="/f")


@bp.get("/")
@login_required
def dashboard() -> Any:
    """The workshops the facilitator runs or co-runs, newest first."""
    return render_template("facilitator/dashboard.html", workshops=workshops.workshops_of(me()))


@bp.route("/workshops/new", methods=["GET", "POST"])
@login_required
def new_workshop() -> Any:
    """Create a workshop from a format preset; its agenda can be edited afterwards."""
    form = request.form.to_dict() or {"format": Format.MARATHON.value}
    error: WorkshopError | None = None
    if request.method == "POST":
        try:
            workshop = workshops.create_workshop(parse_new_workshop(form), me())
        except WorkshopError as caught:
            error = caught
        else:
            flash(_("Workshop created. Check its agenda, then open it."), "success")
            return redirect(url_for("facilitator.agenda", workshop_id=workshop.id))
    return form_page(
        "facilitator/new_workshop.html",
        error,
        form=form,
        formats=FORMAT_LABELS,
        presets={f.value: [str(KIND_LABELS[k]) for k, _m in PRESETS[f]] for f in Format},
    )


@bp.route("/w/<int:workshop_id>/agenda", methods=["GET", "POST"])
@login_required
def agenda(workshop_id: int) -> Any:
    """Edit the agenda: rename, reorder, add and remove steps, set their durations."""
    workshop = own_workshop(workshop_id)
    error: WorkshopError | None = None
    if request.method == "POST":
        rows = zip(
            request.form.getlist("id"),
            request.form.getlist("kind"),
            request.form.getlist("title"),
            request.form.getlist("minutes"),
            strict=False,
        )
        payload = {
            "phases": [
                {"id": pid or None, "kind": kind, "title": title, "minutes": minutes}
                for pid, kind, title, minutes in rows
                if kind
            ]
        }
        try:
            workshops.update_agenda(workshop.id, me(), parse_agenda(payload))
        except WorkshopError as caught:
            error = caught
        else:
            flash(_("Agenda saved."), "success")
            return redirect(url_for("facilitator.console", workshop_id=workshop.id))
    return form_page(
        "facilitator/agenda.html",
        error,
        workshop=workshop,
        kinds={k.value: str(KIND_LABELS[k]) for k in PhaseKind},
    )


@bp.get("/w/<int:workshop_id>")
@login_required
def console(workshop_id: int) -> Any:
    """The live console: controls, moderation, links and QR code to hand out, with a
    warning when phones could not open them (see :func:`phone_reachability`)."""
    workshop = own_workshop(workshop_id)
    links = workshop_links(workshop)
    return render_template(
        "facilitator/console.html",
        workshop=workshop,
        # The room's counts as the socket will say them: the page does not move when
        # it connects.
        connected=presence().connected(workshop.id),
        participant_count=participants.count_in(workshop.id),
        links=links,
        qr=qr_svg(qr_join_url(workshop)),
        unreachable=phone_reachability(links["join_url"], request.full_path.rstrip("?")),
    )


@bp.get("/w/<int:workshop_id>/duplicates")
@login_required
def duplicates(workshop_id: int) -> Any:
    """The duplicate review (« Doublons probables »): clusters of near-identical ideas,
    each merged or dismissed in one action, live over the console's socket."""
    workshop = own_workshop(workshop_id)
    return render_template("facilitator/duplicates.html", workshop=workshop)


@bp.get("/w/<int:workshop_id>/qr.svg")
@login_required
def qr_file(workshop_id: int) -> Any:
    """The join QR code as a file, to print or paste into slides."""
    workshop = own_workshop(workshop_id)
    svg = str(qr_svg(qr_join_url(workshop)))
    if not svg:
        abort(404)
    return (
        svg,
        200,
        {
            "Content-Type": "image/svg+xml",
            "Content-Disposition": f'attachment; filename="semis-{workshop.code}.svg"',
        },
    )
