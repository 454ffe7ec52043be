"""Cycles (cohorts): the facilitators' pages, enrolment, and an enrolled person's cycle page.

Facilitators: ``/f/cycles`` (their cycles, a new one from a preset) and ``/f/cycles/<id>``
(sessions, team, people and their links, the note d'intention's template, feedback
kinds, the jury's grid, questionnaires and their results, the privacy notice).

Everybody else: ``/cycle/<uid>/inscription`` (enrol oneself), and the personal link
``/c/<token>``: the person's home in the cycle, ``/c/<token>/seance/<id>`` to join a
session as the same participant, ``/c/<token>/questionnaire/<moment>``.

**The cycle cookie.** Opening ``/c/<token>`` (or enrolling) also leaves the link's
secret in a cookie ``semis_c<cycle id>`` (HttpOnly, SameSite=Lax, as long as a
participant's cookie). A phone that then opens a session of that cycle by its code or
QR code (``/j/<code>``) without having joined it yet is recognised: it joins as the
enrolled person (:func:`recognise_enrolled`), no join form. « Supprimer mes données »
and a new link make the cookie useless (it holds a secret nobody's link has any more).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from ..auth import current_participant, login_required, set_participant_cookie
from ..errors import NotFound, WorkshopError
from ..exports.links import external_url
from ..extensions import limiter
from ..models import Cycle, CyclePreset, Enrolment, Profile
from ..schemas import normalize_code
from ..schemas.committees import criteria_rows, parse_criteria
from ..schemas.cycles import (
    IDEATEUR_SESSIONS,
    MOMENT_LABELS,
    PRESET_LABELS,
    QUESTION_KIND_LABELS,
    Moment,
    editor_rows,
    feedback_kind_label,
    parse_answers,
    parse_co_facilitator,
    parse_cycle_settings,
    parse_enrolment,
    parse_feedback_kinds,
    parse_intention_template,
    parse_new_cycle,
    parse_questions,
    parse_session,
)
from ..services import cycles, lookup, privacy
from .access import me
from .common import qr_svg

bp = Blueprint("cycles", __name__)

COOKIE_PREFIX = "semis_c"


def _create_limit() -> str:
    return str(current_app.config["JOIN_CREATE_LIMIT"])


# Enrolments one address may create: the join form's budget (each is a row).
enrolment_creations = limiter.limit(_create_limit, scope="cycle-enrol", methods=["POST"])


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    return {
        "cycle_preset_labels": PRESET_LABELS,
        "cycle_question_kinds": QUESTION_KIND_LABELS,
        "cycle_moment_labels": MOMENT_LABELS,
        "feedback_kind_label": feedback_kind_label,
        "cycle_day": cycle_day,
    }


def cycle_day(day: dt.date | None) -> str:
    """A session's date as people say it (« lundi 1 mars 2027 »); "" without one."""
    if day is None:
        return ""
    return str(format_date(day, "EEEE d MMMM y"))


def _private(response: Any) -> Any:
    """A page whose address or content carries a personal link: never cached."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _page(template: str, status: int = 200, **context: Any) -> Any:
    return _private(current_app.make_response((render_template(template, **context), status)))


def link_url(token: str) -> str:
    """The personal link of the enrolment whose secret is ``token``."""
    return external_url("cycles.home", token=token)


def cookie_name(cycle_id: int) -> str:
    return f"{COOKIE_PREFIX}{cycle_id}"


def _set_cycle_cookie(response: BaseResponse, cycle_id: int, token: str) -> None:
    response.set_cookie(
        cookie_name(cycle_id),
        token,
        max_age=current_app.config["PARTICIPANT_COOKIE_DAYS"] * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


# --------------------------------------------------------------- facilitators


@bp.get("/f/cycles")
@login_required
def index() -> Any:
    """The facilitator's cycles and the form of a new one."""
    return render_template(
        "cycles/index.html",
        cycles=cycles.cycles_of(me()),
        form={"sessions": str(IDEATEUR_SESSIONS)},
        error=None,
        presets=list(CyclePreset),
    )


@bp.post("/f/cycles")
@login_required
def create() -> Any:
    """Create a cycle (and its preset's sessions); a refused form keeps what was typed."""
    form = request.form.to_dict()
    try:
        cycle = cycles.create_cycle(parse_new_cycle(form), me())
    except WorkshopError as error:
        page = render_template(
            "cycles/index.html",
            cycles=cycles.cycles_of(me()),
            form=form,
            error=error,
            presets=list(CyclePreset),
        )
        return page, error.status
    flash(_("The cycle is created."), "success")
    return redirect(url_for("cycles.cycle", cycle_id=cycle.id))


def _cycle_page(cycle: Cycle, status: int = 200, **extra: Any) -> Any:
    """The cycle's page (``extra``: an error and the form it came from, a link issued)."""
    results = {moment: cycles.questionnaire_results(cycle, moment) for moment in Moment}
    context: dict[str, Any] = {
        "cycle": cycle,
        "sessions": cycles.sessions_of(cycle),
        "people": cycles.enrolments_of(cycle),
        "results": results,
        "enrol_url": external_url("cycles.enrol", uid=cycle.uid),
        "qr_svg": qr_svg,
        "profiles": list(Profile),
        "moments": list(Moment),
        "questions_of": cycles.questions_of,
        "error": None,
        "section": None,
        "form": {},
        "issued": None,
        "typed": None,
        "default_retention": current_app.config["RETENTION_DAYS"],
    }
    context.update(extra)
    return _page("cycles/cycle.html", status, **context)


def _refused(
    cycle_id: int, error: WorkshopError, section: str, typed: list[dict[str, Any]] | None = None
) -> Any:
    """The cycle's page again with ``error`` in ``section`` and what was typed there
    (``typed``: the rows of a list editor)."""
    cycle = cycles.require_cycle_facilitator(cycle_id, me())
    return _cycle_page(
        cycle,
        error.status,
        error=error,
        section=section,
        form=request.form.to_dict(),
        typed=typed,
    )


def _typed(prefix: str, fields: tuple[str, ...]) -> list[dict[str, Any]] | None:
    """A list editor's rows as posted, to show again (``None`` if they do not parse)."""
    try:
        return editor_rows(request.form, prefix, fields)
    except WorkshopError:
        return None


@bp.get("/f/cycles/<int:cycle_id>")
@login_required
def cycle(cycle_id: int) -> Any:
    """A cycle: sessions, people, settings, questionnaires' results."""
    return _cycle_page(cycles.require_cycle_facilitator(cycle_id, me()))


def _back(cycle_id: int, anchor: str) -> BaseResponse:
    return redirect(url_for("cycles.cycle", cycle_id=cycle_id, _anchor=anchor))


@bp.post("/f/cycles/<int:cycle_id>/reglages")
@login_required
def settings(cycle_id: int) -> Any:
    try:
        cycles.update_settings(cycle_id, me(), parse_cycle_settings(request.form.to_dict()))
    except WorkshopError as error:
        return _refused(cycle_id, error, "settings")
    flash(_("Saved."), "success")
    return _back(cycle_id, "settings")


@bp.post("/f/cycles/<int:cycle_id>/seances")
@login_required
def add_session(cycle_id: int) -> Any:
    try:
        cycles.add_session(cycle_id, me(), parse_session(request.form.to_dict()))
    except WorkshopError as error:
        return _refused(cycle_id, error, "new-session")
    flash(_("The session is added."), "success")
    return _back(cycle_id, "sessions")


@bp.post("/f/cycles/<int:cycle_id>/seances/<int:workshop_id>")
@login_required
def update_session(cycle_id: int, workshop_id: int) -> Any:
    try:
        cycles.update_session(cycle_id, me(), workshop_id, parse_session(request.form.to_dict()))
    except WorkshopError as error:
        return _refused(cycle_id, error, f"session-{workshop_id}")
    flash(_("Saved."), "success")
    return _back(cycle_id, f"session-{workshop_id}")


@bp.post("/f/cycles/<int:cycle_id>/equipe")
@login_required
def add_co_facilitator(cycle_id: int) -> Any:
    try:
        cycles.add_co_facilitator(cycle_id, me(), parse_co_facilitator(request.form.to_dict()))
    except WorkshopError as error:
        return _refused(cycle_id, error, "team")
    flash(_("The facilitator is added to the cycle and its sessions."), "success")
    return _back(cycle_id, "team")


@bp.post("/f/cycles/<int:cycle_id>/equipe/<int:facilitator_id>/retirer")
@login_required
def remove_co_facilitator(cycle_id: int, facilitator_id: int) -> Any:
    try:
        cycles.remove_co_facilitator(cycle_id, me(), facilitator_id)
    except WorkshopError as error:
        return _refused(cycle_id, error, "team")
    return _back(cycle_id, "team")


@bp.post("/f/cycles/<int:cycle_id>/note")
@login_required
def intention_template(cycle_id: int) -> Any:
    cycle = cycles.require_cycle_facilitator(cycle_id, me())
    try:
        rows = editor_rows(request.form, "section", ("label", "prompt"))
        sections = parse_intention_template(rows, cycle.intention_template)
        cycles.set_intention_template(cycle_id, me(), sections)
    except WorkshopError as error:
        return _refused(cycle_id, error, "intention", _typed("section", ("label", "prompt")))
    flash(_("Saved."), "success")
    return _back(cycle_id, "intention")


@bp.post("/f/cycles/<int:cycle_id>/retours")
@login_required
def feedback_kinds(cycle_id: int) -> Any:
    cycle = cycles.require_cycle_facilitator(cycle_id, me())
    try:
        rows = editor_rows(request.form, "kind", ("label",))
        kinds = parse_feedback_kinds(rows, cycle.feedback_kinds)
        cycles.set_feedback_kinds(cycle_id, me(), kinds)
    except WorkshopError as error:
        return _refused(cycle_id, error, "feedback", _typed("kind", ("label",)))
    flash(_("Saved."), "success")
    return _back(cycle_id, "feedback")


@bp.post("/f/cycles/<int:cycle_id>/grille")
@login_required
def criteria(cycle_id: int) -> Any:
    cycle = cycles.require_cycle_facilitator(cycle_id, me())
    try:
        grid = parse_criteria(criteria_rows(request.form), cycle.criteria)
        cycles.set_criteria(cycle_id, me(), [c.as_dict() for c in grid])
    except WorkshopError as error:
        return _refused(cycle_id, error, "criteria")
    flash(_("Saved."), "success")
    return _back(cycle_id, "criteria")


@bp.post("/f/cycles/<int:cycle_id>/questionnaire/<moment>")
@login_required
def questions(cycle_id: int, moment: str) -> Any:
    cycle = cycles.require_cycle_facilitator(cycle_id, me())
    if moment not in set(Moment):
        raise NotFound()
    try:
        rows = editor_rows(request.form, "question", ("label", "kind", "choices"))
        parsed = parse_questions(rows, cycles.questions_of(cycle, moment))
        cycles.set_questions(cycle_id, me(), moment, parsed)
    except WorkshopError as error:
        typed = _typed("question", ("label", "kind", "choices"))
        return _refused(cycle_id, error, f"questions-{moment}", typed)
    flash(_("Saved."), "success")
    return _back(cycle_id, f"questions-{moment}")


@bp.post("/f/cycles/<int:cycle_id>/clore")
@login_required
def close(cycle_id: int) -> Any:
    closed = request.form.get("closed") == "1"
    cycles.set_closed(cycle_id, me(), closed)
    flash(_("The cycle is closed.") if closed else _("The cycle is open again."), "success")
    return _back(cycle_id, "settings")


@bp.post("/f/cycles/<int:cycle_id>/inscrits")
@login_required
def enrol_someone(cycle_id: int) -> Any:
    """A facilitator enrols a person: the page then shows their link once, to hand over."""
    cycle = cycles.require_cycle_facilitator(cycle_id, me())
    try:
        enrolment, token = cycles.enrol(cycle.id, parse_enrolment(request.form.to_dict()))
    except WorkshopError as error:
        return _refused(cycle_id, error, "people")
    return _cycle_page(cycle, issued={"enrolment": enrolment, "url": link_url(token)})


@bp.post("/f/cycles/<int:cycle_id>/inscrits/<int:enrolment_id>/lien")
@login_required
def new_link(cycle_id: int, enrolment_id: int) -> Any:
    """A new personal link for a person (the old one stops working), shown once."""
    enrolment, token = cycles.reissue_link(cycle_id, me(), enrolment_id)
    cycle = cycles.require_cycle_facilitator(cycle_id, me())
    return _cycle_page(cycle, issued={"enrolment": enrolment, "url": link_url(token)})


@bp.post("/f/cycles/<int:cycle_id>/inscrits/<int:enrolment_id>/effacer")
@login_required
def erase_someone(cycle_id: int, enrolment_id: int) -> Any:
    privacy.erase_enrolment(cycle_id, enrolment_id, me())
    flash(_("This person's data is erased."), "success")
    return _back(cycle_id, "people")


# ------------------------------------------------------------- enrolled people


@bp.route("/cycle/<uid>/inscription", methods=["GET", "POST"])
@enrolment_creations
def enrol(uid: str) -> Any:
    """Enrol oneself: a name, a profile, an email if one wishes, the cycle's privacy
    notice, and the start questionnaire if the cycle asks one. Then the personal link."""
    cycle = cycles.by_uid(uid)
    form = request.form.to_dict()
    questions = cycles.questions_of(cycle, Moment.START)
    error: WorkshopError | None = None
    if request.method == "POST":
        try:
            new = parse_enrolment(form)
            answers = parse_answers(form, questions)
            enrolment, token = cycles.enrol(cycle.id, new, answers)
        except WorkshopError as caught:
            error = caught
        else:
            response = _page(
                "cycles/keep_link.html",
                cycle=cycle,
                enrolment=enrolment,
                token=token,
                url=link_url(token),
                qr_svg=qr_svg,
                first=True,
            )
            _set_cycle_cookie(response, cycle.id, token)
            return response
    status = error.status if error is not None else 200
    return _page(
        "cycles/enrol.html",
        status,
        cycle=cycle,
        form=form,
        error=error,
        questions=questions,
        profiles=list(Profile),
        default_retention=current_app.config["RETENTION_DAYS"],
    )


def _enrolment(token: str) -> Enrolment:
    return cycles.enrolment_by_token(token)


@bp.get("/c/<token>")
def home(token: str) -> Any:
    """The person's home in the cycle: its sessions (earlier ones with what they did,
    the one running now to join), « mon projet », the questionnaires, their data."""
    enrolment = _enrolment(token)
    cycles.touch(enrolment)
    cycle = cycles.get_cycle(enrolment.cycle_id)
    answered = {m: cycles.answers_of(enrolment, m) is not None for m in Moment}
    response = _page(
        "cycles/home.html",
        cycle=cycle,
        enrolment=enrolment,
        token=token,
        visits=cycles.visits(enrolment),
        questions_of=cycles.questions_of,
        answered=answered,
        moments=list(Moment),
        url=link_url(token),
        qr_svg=qr_svg,
        default_retention=current_app.config["RETENTION_DAYS"],
    )
    _set_cycle_cookie(response, cycle.id, token)
    return response


@bp.get("/c/<token>/lien")
def keep_link(token: str) -> Any:
    """The personal link again, with its QR code, to keep or send to oneself."""
    enrolment = _enrolment(token)
    cycle = cycles.get_cycle(enrolment.cycle_id)
    return _page(
        "cycles/keep_link.html",
        cycle=cycle,
        enrolment=enrolment,
        token=token,
        url=link_url(token),
        qr_svg=qr_svg,
        first=False,
    )


@bp.post("/c/<token>/envoyer")
def send_link(token: str) -> Any:
    """« M'envoyer le lien »: an email to the address the person gave, if any."""
    sent = cycles.send_link(token, link_url(token))
    if sent:
        flash(_("The link is on its way to your email address."), "success")
    else:
        flash(_("You gave no email address: copy the link or keep its QR code."), "info")
    return _private(redirect(url_for("cycles.keep_link", token=token)))


@bp.get("/c/<token>/seance/<int:workshop_id>")
def join_session(token: str, workshop_id: int) -> Any:
    """Join a session of the cycle as the same person: no join form, the phone gets the
    session's cookie and goes to the phone page."""
    enrolment = _enrolment(token)
    participant, participant_token = cycles.participant_for(enrolment, workshop_id)
    workshop = lookup.get_workshop(participant.workshop_id)
    response = _private(redirect(url_for("participant.board", code=workshop.code)))
    set_participant_cookie(response, workshop.id, participant_token)
    _set_cycle_cookie(response, enrolment.cycle_id, token)
    return response


@bp.route("/c/<token>/questionnaire/<moment>", methods=["GET", "POST"])
def questionnaire(token: str, moment: str) -> Any:
    """The cycle's questionnaire at enrolment (``start``) or at the end (``end``)."""
    enrolment = _enrolment(token)
    if moment not in set(Moment):
        raise NotFound()
    cycle = cycles.get_cycle(enrolment.cycle_id)
    questions = cycles.questions_of(cycle, moment)
    if not questions:
        raise NotFound()
    previous = cycles.answers_of(enrolment, moment)
    form = (
        request.form.to_dict()
        if request.method == "POST"
        else {f"q-{k}": str(v) for k, v in (previous.answers if previous else {}).items()}
    )
    error: WorkshopError | None = None
    if request.method == "POST":
        try:
            cycles.answer(enrolment, moment, parse_answers(form, questions))
        except WorkshopError as caught:
            error = caught
        else:
            flash(_("Thank you, your answers are saved."), "success")
            return _private(redirect(url_for("cycles.home", token=token)))
    return _page(
        "cycles/questionnaire.html",
        error.status if error else 200,
        cycle=cycle,
        token=token,
        moment=moment,
        questions=questions,
        form=form,
        error=error,
    )


@bp.post("/c/<token>/effacer")
def erase_me(token: str) -> Any:
    """« Supprimer mes données »: after the confirmation box is ticked."""
    enrolment = _enrolment(token)
    if request.form.get("confirm") != "1":
        flash(_("Tick the box to confirm that you want your data deleted."), "error")
        return _private(redirect(url_for("cycles.home", token=token, _anchor="my-data")))
    cycle_id = enrolment.cycle_id
    privacy.erase_enrolment(cycle_id, enrolment.id)
    response = _page("cycles/erased.html")
    response.delete_cookie(cookie_name(cycle_id))
    return response


# ------------------------------------------------- recognised at a session's code


@bp.before_app_request
def recognise_enrolled() -> Any:
    """A phone opening a session's join page (``/j/<code>``, typed or scanned) with the
    cookie of the session's cycle, and not joined yet, joins as the enrolled person and
    goes to the phone page. Any failure leaves the join page to answer as usual."""
    if request.endpoint != "participant.join" or request.method != "GET":
        return None
    if not any(name.startswith(COOKIE_PREFIX) for name in request.cookies):
        return None
    code = normalize_code((request.view_args or {}).get("code"))
    if not code:
        return None
    try:
        workshop = lookup.find_by_code(code)
    except WorkshopError:
        return None
    if workshop.cycle_id is None or current_participant(workshop.id) is not None:
        return None
    found = cycles.recognise(request.cookies.get(cookie_name(workshop.cycle_id)), workshop.id)
    if found is None:
        return None
    response = redirect(url_for("participant.board", code=workshop.code))
    set_participant_cookie(response, workshop.id, found[1])
    return response
