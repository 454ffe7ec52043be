"""Reports for funders and collectivités, and the public « carnet de projets »
(/p/<slug>/carnet).

Members' pages: ``/fabriques/<slug>/rapport`` (the form, the report as a printable page,
its XLSX at ``rapport.xlsx``, and the carnet's introduction), and the POST of a
project's place in the carnet (the « carnet de projets » section of a project's page,
``templates/projects/_public.html``). The carnet itself is public and shows nothing
personal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..auth import login_required
from ..errors import WorkshopError
from ..exports.localized import timezone
from ..models import Fabrique
from ..schemas.reports import ReportQuery, parse_carnet_intro, parse_publication, parse_report_query
from ..services import reports
from ..services.portfolio.projects import project_in
from ..stages import STAGES
from .access import me, member_fabrique
from .common import form_page
from .report_tables import generated_text, period_text, report_tables, workbook_of

bp = Blueprint("reports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.after_request
def _private(response: Response) -> Response:
    """The members' pages are kept by no browser or proxy (the carnet is public)."""
    if request.endpoint != "reports.carnet":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _today() -> dt.date:
    return dt.datetime.now(timezone()).date()


def _report_page(
    fabrique: Fabrique,
    query: ReportQuery | None,
    error: WorkshopError | None = None,
    form: dict[str, Any] | None = None,
    intro_form: dict[str, Any] | None = None,
) -> Any:
    report = None
    if query is not None:
        report = reports.funder_report(
            fabrique, query.start, query.end, query.territory, query.campaign
        )
    carnet = reports.carnet_of(fabrique.slug)
    return form_page(
        "reports/report.html",
        error,
        fabrique=fabrique,
        report=report,
        tables=report_tables(report) if report is not None else [],
        period_text=period_text(report) if report is not None else "",
        generated_text=generated_text(report) if report is not None else "",
        published=[entry.title for _stage, entries in carnet.groups for entry in entries],
        form=form if form is not None else _form_of(query),
        intro_form=intro_form,
        territories=reports.known_territories(fabrique),
        campaigns=reports.known_campaigns(fabrique),
        today=_today(),
    )


def _form_of(query: ReportQuery | None) -> dict[str, str]:
    if query is None:
        return {}
    return {
        "start": query.start.isoformat(),
        "end": query.end.isoformat(),
        "territory": query.territory,
        "campaign": query.campaign,
    }


@bp.get("/fabriques/<slug>/rapport")
@login_required
def report(slug: str) -> Any:
    """The report for the period, territory and campaign asked (the current year by
    default), as a page that prints on A4; a wrong date is said, with the form kept."""
    fabrique = member_fabrique(slug)
    try:
        query = parse_report_query(request.args.to_dict(), _today())
    except WorkshopError as error:
        return _report_page(fabrique, None, error, form=request.args.to_dict())
    return _report_page(fabrique, query)


@bp.get("/fabriques/<slug>/rapport.xlsx")
@login_required
def report_xlsx(slug: str) -> Any:
    """The same report as a workbook: one sheet per table, its file named after the
    period."""
    fabrique = member_fabrique(slug)
    try:
        query = parse_report_query(request.args.to_dict(), _today())
    except WorkshopError as error:
        return _report_page(fabrique, None, error, form=request.args.to_dict())
    report = reports.funder_report(
        fabrique, query.start, query.end, query.territory, query.campaign
    )
    name = f"rapport-{fabrique.slug}-{query.start.isoformat()}-{query.end.isoformat()}.xlsx"
    return Response(
        workbook_of(report_tables(report), report),
        mimetype=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/fabriques/<slug>/carnet")
@login_required
def carnet_intro(slug: str) -> Any:
    """A member writes the carnet's introduction (on the report page)."""
    fabrique = member_fabrique(slug)
    form = request.form.to_dict()
    try:
        reports.set_carnet_intro(fabrique, parse_carnet_intro(form), me())
    except WorkshopError as error:
        return _report_page(
            fabrique,
            parse_report_query({}, _today()),
            error,
            intro_form=form,
        )
    flash(_("The introduction of the carnet de projets is saved."), "success")
    return redirect(url_for("reports.report", slug=slug) + "#carnet")


def _back_to(slug: str) -> str:
    """Where a project's carnet form returns: the page it was sent from (a page of this
    Fabrique's portfolio), else the report page's carnet section."""
    target = request.form.get("next", "")
    prefix = f"/fabriques/{slug}/"
    if target.startswith(prefix) and "//" not in target and "\\" not in target:
        return target
    return url_for("reports.report", slug=slug) + "#carnet"


@bp.post("/fabriques/<slug>/projets/<int:project_id>/carnet")
@login_required
def publication(slug: str, project_id: int) -> Any:
    """A member shows a project in the carnet (or takes it out), with its public summary."""
    fabrique = member_fabrique(slug)
    try:
        project = reports.set_publication(
            fabrique, project_id, parse_publication(request.form.to_dict()), me()
        )
    except WorkshopError as error:
        return form_page(
            "reports/publication.html",
            error,
            fabrique=fabrique,
            project=project_in(fabrique, project_id),
            form=request.form.to_dict(),
            back=_back_to(slug),
        )
    if project.published:
        flash(_("The project is shown in the carnet de projets."), "success")
    else:
        flash(_("The project is not shown in the carnet de projets."), "success")
    return redirect(_back_to(slug))


@bp.get("/p/<slug>/carnet")
def carnet(slug: str) -> Any:
    """The Fabrique's public carnet: the projects it chose to show, by stage."""
    return render_template("reports/carnet.html", carnet=reports.carnet_of(slug), stages=STAGES)
