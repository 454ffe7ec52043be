"""The API of a Fabrique's portfolio, ``/api/v1/``, described in docs/openapi.yaml.

Every call but the OpenAPI document itself carries ``Authorization: Bearer <token>``,
a token issued to one Fabrique (``flask --app workshop tokens create``). A token reads
its own Fabrique's portfolio (sessions, ideas, projects, their candidates and the
committees' decisions), and the live exports of the workshops co-run by one of the
Fabrique's members; a token with the "import" scope may also import exports, one with
the "write" scope change projects and candidates (each change is in the project's
history as « API : <token name> »). Errors are ``{"ok": false, "error": {"code",
"message", "details"?}}``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask_babel import gettext as _

from ..config import ROOT
from ..errors import NotFound, ValidationError
from ..exports.document import build_json
from ..extensions import csrf, db
from ..models import ApiToken, CandidateStatus, Fabrique, Project
from ..schemas.api import (
    parse_candidate_patch,
    parse_item_decision,
    parse_new_candidate,
    parse_new_holder,
    parse_new_note,
    parse_page,
    parse_project_patch,
    parse_project_query,
    parse_since,
)
from ..schemas.api_json import (
    serialize_agenda_item,
    serialize_candidate,
    serialize_decision,
    serialize_entry,
    serialize_holder,
)
from ..schemas.candidates import CandidateChange
from ..schemas.projects import ProjectFilter
from ..services import candidates, committees, fabriques, portfolio
from ..services.portfolio import projects
from ..stages import STAGES
from .common import import_limit, read_within

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

OPENAPI_PATH: Path = ROOT / "docs" / "openapi.yaml"
PER_PAGE_DEFAULT = 100
PER_PAGE_MAX = 500


def _token() -> ApiToken:
    token: ApiToken = g.api_token
    return token


def _fabrique() -> Fabrique:
    return _token().fabrique


def _writer() -> ApiToken:
    """The token, when it may write (else :class:`~workshop.errors.Forbidden`)."""
    token = _token()
    fabriques.require_scope(token, "write")
    return token


def _by_label(token: ApiToken) -> str:
    """Who made a change, in a project's history."""
    return f"API : {token.name}"


def _body() -> Any:
    """The request's JSON (``None`` when it is not JSON, or nested too deep for the
    parser: the schema then refuses it)."""
    try:
        return request.get_json(force=True, silent=True)
    except RecursionError:
        return None


@bp.before_request
def _authenticate() -> None:
    if request.endpoint == "api.openapi":
        return
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    g.api_token = fabriques.authenticate_token(
        secret.strip() if scheme.lower() == "bearer" else None
    )
    if request.method == "GET":
        fabriques.require_scope(g.api_token, "read")


@bp.after_request
def _challenge(response: Response) -> Response:
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="semis"'
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.get("/openapi.yaml")
def openapi() -> Any:
    """This API's OpenAPI 3.1 document."""
    return Response(OPENAPI_PATH.read_text(encoding="utf-8"), mimetype="application/yaml")


@bp.get("/fabrique")
def fabrique() -> Any:
    """The token's Fabrique."""
    token = _token()
    return jsonify(
        {
            "fabrique": {"slug": token.fabrique.slug, "name": token.fabrique.name},
            "token": {"name": token.name, "prefix": token.prefix, "scopes": token.scopes.split()},
        }
    )


@bp.get("/sessions")
def sessions() -> Any:
    """The portfolio's sessions, newest first."""
    return jsonify(
        {"sessions": [portfolio.serialize_session(s) for s in portfolio.sessions_of(_fabrique())]}
    )


@bp.get("/sessions/<uid>")
def session(uid: str) -> Any:
    """One session of the portfolio, by workshop uid, with its défis."""
    held = portfolio.session_in(_fabrique(), uid=uid)
    return jsonify(
        {
            "session": portfolio.serialize_session(held),
            "challenges": [portfolio.serialize_challenge(c) for c in portfolio.challenges_of(held)],
        }
    )


def _page_arg(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ValidationError(
            _("This number must be between %(min)d and %(max)d.", min=1, max=maximum),
            field=name,
            reason="range",
        )
    return int(raw)


@bp.get("/ideas")
def ideas() -> Any:
    """Ideas of the portfolio with their lineage and stage, filtered and paginated."""
    fabrique = _fabrique()
    session_id = None
    if request.args.get("session"):
        session_id = portfolio.session_in(fabrique, uid=request.args["session"]).id
    stage = request.args.get("stage")
    if stage is not None and stage not in STAGES:
        raise ValidationError(
            _("Please choose one of the options."), field="stage", reason="choice"
        )
    where = portfolio.IdeaFilter(
        session_id=session_id,
        stage=stage,
        territory=request.args.get("territory"),
        include_merged=request.args.get("include_merged") == "true",
    )
    page = _page_arg("page", 1, 1_000_000)
    per_page = _page_arg("per_page", PER_PAGE_DEFAULT, PER_PAGE_MAX)
    found = portfolio.find_ideas(fabrique, where, (page - 1) * per_page, per_page)
    held, challenges = portfolio.lineage(found)
    return jsonify(
        {
            "ideas": [
                portfolio.serialize_idea(i, held[i.session_id], challenges.get(i.challenge_id or 0))
                for i in found
            ],
            "page": page,
            "per_page": per_page,
            "total": portfolio.count_ideas(fabrique, where),
        }
    )


@bp.get("/ideas/<int:idea_id>")
def idea(idea_id: int) -> Any:
    """One idea of the portfolio."""
    found = portfolio.idea(_fabrique(), idea_id)
    held, challenges = portfolio.lineage([found])
    return jsonify(
        {
            "idea": portfolio.serialize_idea(
                found, held[found.session_id], challenges.get(found.challenge_id or 0)
            )
        }
    )


@bp.get("/funnel")
def funnel() -> Any:
    """How many ideas are at each stage, per session and per territory."""
    return jsonify(portfolio.serialize_funnel(portfolio.funnel(_fabrique())))


@bp.get("/workshops")
def workshops() -> Any:
    """Workshops whose live export the token may read (co-run by a member)."""
    found = db.session.scalars(fabriques.readable_workshops_query(_fabrique()))
    return jsonify(
        {
            "workshops": [
                {
                    "uid": w.uid,
                    "code": w.code,
                    "title": w.title,
                    "territory": w.territory,
                    "date": w.date.isoformat() if w.date else None,
                    "status": w.status,
                }
                for w in found
            ]
        }
    )


@bp.get("/workshops/<uid>/export")
def workshop_export(uid: str) -> Any:
    """The JSON export of one readable workshop (docs/export.schema.json)."""
    workshop = fabriques.readable_workshop(_fabrique(), uid)
    return jsonify(build_json(workshop))


@bp.post("/imports")
def import_export() -> Any:
    """Import a JSON export (the request body) into the token's portfolio."""
    token = _token()
    fabriques.require_scope(token, "import")
    limit = import_limit(None)
    data = read_within(request.stream, limit, None)
    result = portfolio.import_export(token.fabrique, data)
    return jsonify(result.to_dict()), (201 if result.status == "created" else 200)


# ---------------------------------------------------------------------------- projects


def _project_json(fabrique: Fabrique, project_id: int) -> tuple[Project, dict[str, Any]]:
    project = projects.project_in(fabrique, project_id)
    return project, portfolio.serialize_project(project)


def _with_etag(body: dict[str, Any], version: int, status: int = 200) -> Response:
    """``body`` as JSON with the project's version as its ``ETag``."""
    response = jsonify(body)
    response.status_code = status
    response.set_etag(str(version))
    return response


@bp.get("/projects")
def project_list() -> Any:
    """Projects of the portfolio, filtered and paginated (absent and merged on request)."""
    fabrique = _fabrique()
    query = parse_project_query(request.args.to_dict())
    session_id = None
    if query.session_uid is not None:
        session_id = portfolio.session_in(fabrique, uid=query.session_uid).id
    where = ProjectFilter(
        stage=query.stage,
        territory=query.territory,
        session_id=session_id,
        kind=query.kind,
        include_absent=query.include_absent,
        include_merged=query.include_merged,
        updated_since=query.updated_since,
    )
    page = query.page
    found = portfolio.find_projects(fabrique, where, page.offset, page.per_page)
    return jsonify(
        {
            "projects": [portfolio.serialize_project(p) for p in found],
            "page": page.page,
            "per_page": page.per_page,
            "total": portfolio.count_projects(fabrique, where),
        }
    )


@bp.get("/projects/<int:project_id>")
def project(project_id: int) -> Any:
    """One project with its holders; its history too with ``?history=1``."""
    fabrique = _fabrique()
    found, body = _project_json(fabrique, project_id)
    result: dict[str, Any] = {"project": body}
    if request.args.get("history") == "1":
        names = {m.id: m.name for m in fabriques.members_of(fabrique)}
        result["history"] = [
            serialize_entry(e, names.get(e.by_id) if e.by_id else None)
            for e in projects.history(found)
        ]
    return _with_etag(result, found.version)


@bp.patch("/projects/<int:project_id>")
def update_project(project_id: int) -> Any:
    """Change a project's stage and sheet fields from the version it was read at."""
    token = _writer()
    payload = _body()
    if isinstance(payload, dict) and "version" not in payload and request.if_match:
        tag = next(iter(request.if_match.as_set()), "")
        payload = {**payload, "version": int(tag) if tag.isdigit() and len(tag) < 10 else tag}
    change = parse_project_patch(payload)
    changed = portfolio.update_project(
        token.fabrique,
        project_id,
        version=change.version,
        stage=change.stage,
        abandon_reason=change.abandon_reason,
        sheet_changes=change.sheet,
        by_label=_by_label(token),
    )
    return _with_etag({"project": portfolio.serialize_project(changed)}, changed.version)


@bp.post("/projects/<int:project_id>/notes")
def add_project_note(project_id: int) -> Any:
    """Write a dated note in a project's history."""
    token = _writer()
    text = parse_new_note(_body())
    noted = portfolio.add_note(token.fabrique, project_id, text, by_label=_by_label(token))
    return jsonify({"entry": serialize_entry(projects.history(noted)[0], None)}), 201


@bp.post("/projects/<int:project_id>/holders")
def add_project_holder(project_id: int) -> Any:
    """Give a project a holder (their contact is kept, never shown back)."""
    token = _writer()
    entry = parse_new_holder(_body())
    changed = portfolio.add_project_holder(
        token.fabrique, project_id, entry, by_label=_by_label(token)
    )
    holder = changed.holders[-1]
    return jsonify(
        {"holder": serialize_holder(holder), "project": portfolio.serialize_project(changed)}
    ), 201


# ------------------------------------------------------------ candidates (call for holders)


@bp.get("/projects/<int:project_id>/candidates")
def project_candidates(project_id: int) -> Any:
    """The candidates to carry a project, the selected first, with their contact."""
    found = candidates.candidates_of(_fabrique(), project_id)
    return jsonify({"candidates": [serialize_candidate(c) for c in found]})


@bp.post("/projects/<int:project_id>/candidates")
def add_project_candidate(project_id: int) -> Any:
    """Add a candidate met elsewhere (status « met », source "member")."""
    token = _writer()
    met = parse_new_candidate(_body())
    added = candidates.add_candidate(token.fabrique, project_id, met, by_label=_by_label(token))
    return jsonify({"candidate": serialize_candidate(added)}), 201


@bp.patch("/projects/<int:project_id>/candidates/<int:candidate_id>")
def update_candidate(project_id: int, candidate_id: int) -> Any:
    """Change a candidate's status or notes; « selected » makes them the holder."""
    token = _writer()
    patch = parse_candidate_patch(_body())
    fabrique, by_label = token.fabrique, _by_label(token)
    current = candidates.candidate_in(fabrique, project_id, candidate_id)
    status = patch.status or current.status
    if status == CandidateStatus.SELECTED and current.status != status:
        candidates.select_candidate(fabrique, project_id, candidate_id, by_label=by_label)
        if patch.notes is None:
            current = candidates.candidate_in(fabrique, project_id, candidate_id)
            return jsonify({"candidate": serialize_candidate(current)})
    notes = current.notes if patch.notes is None else patch.notes
    changed = candidates.change_candidate(
        fabrique, project_id, candidate_id, CandidateChange(status, notes), by_label=by_label
    )
    return jsonify({"candidate": serialize_candidate(changed)})


# ------------------------------------------------------------------ committees' decisions


@bp.get("/projects/<int:project_id>/decisions")
def project_decisions(project_id: int) -> Any:
    """The committees' decisions on a project, latest meeting first, and the agenda
    items still waiting for one (``pending``)."""
    project = projects.project_in(_fabrique(), project_id)
    sittings = committees.project_sittings(project)
    return jsonify(
        {
            "decisions": [
                serialize_decision(s.item, s.meeting, s.committee)
                for s in sittings
                if s.item.decision is not None
            ],
            "pending": [
                serialize_agenda_item(s.item, s.meeting, s.committee)
                for s in sittings
                if s.item.decision is None
            ],
        }
    )


@bp.get("/decisions")
def decisions() -> Any:
    """The committees' decisions of the Fabrique, oldest recorded first (``since``)."""
    fabrique = _fabrique()
    since = parse_since(request.args.to_dict(), "since")
    page = parse_page(request.args.to_dict())
    found = committees.decisions_of(fabrique, since=since, offset=page.offset, limit=page.per_page)
    return jsonify(
        {
            "decisions": [serialize_decision(s.item, s.meeting, s.committee) for s in found],
            "page": page.page,
            "per_page": page.per_page,
            "total": committees.count_decisions(fabrique, since=since),
        }
    )


@bp.post("/projects/<int:project_id>/decisions")
def record_decision(project_id: int) -> Any:
    """Record a committee's decision on one of the project's agenda items (the
    meeting must be open or closed); « dropped » abandons the project with the reason."""
    token = _writer()
    asked = parse_item_decision(_body())
    project = projects.project_in(token.fabrique, project_id)
    sitting = next(
        (s for s in committees.project_sittings(project) if s.item.id == asked.item_id), None
    )
    if sitting is None:
        raise NotFound(field="item_id")
    item = committees.decide(
        token.fabrique,
        sitting.committee.id,
        sitting.meeting.id,
        sitting.item.id,
        asked.form,
        by_label=_by_label(token),
    )
    return jsonify({"decision": serialize_decision(item, sitting.meeting, sitting.committee)}), 201
