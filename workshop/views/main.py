"""Home page, first set-up, sign-in, language choice and the health check."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import text

from ..auth import current_facilitator
from ..errors import ValidationError, WorkshopError
from ..extensions import db
from ..schemas import parse_email, parse_new_facilitator
from ..services import accounts

bp = Blueprint("main", __name__)


def _is_local(target: str) -> bool:
    """Whether ``target`` is a path on this site. Browsers drop tabs and newlines from
    URLs and read a backslash as ``/``: "/", a tab, "/evil.example" would leave the site."""
    if any(ch == "\\" or ch < " " or ch == "\x7f" for ch in target):
        return False
    return target.startswith("/") and not target.startswith("//")


@bp.get("/")
def home() -> Any:
    """Join by code; the very first visit offers to create the first facilitator account."""
    if not accounts.has_facilitators():
        return redirect(url_for("main.setup"))
    return render_template("home.html", facilitator=current_facilitator())


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> Any:
    """Create the first facilitator account; gone once one exists."""
    if accounts.has_facilitators():
        flash(_("A facilitator account already exists. Please sign in."), "info")
        return redirect(url_for("main.login"))
    form = request.form.to_dict()
    if request.method == "POST":
        try:
            facilitator = accounts.create_facilitator(parse_new_facilitator(form), first=True)
        except WorkshopError as error:
            return render_template("setup.html", form=form, error=error), error.status
        login_user(facilitator, remember=True)
        flash(_("Your account is ready. Create your first workshop."), "success")
        return redirect(url_for("facilitator.dashboard"))
    return render_template("setup.html", form=form, error=None)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """Sign in; back to the page that asked for it (a local path only), else the
    dashboard."""
    form = request.form.to_dict()
    if request.method == "POST":
        try:
            facilitator = accounts.authenticate(
                parse_email(form.get("email")), str(form.get("password", ""))
            )
        except (ValidationError, WorkshopError) as error:
            return render_template("login.html", form=form, error=error), error.status
        login_user(facilitator, remember=True)
        target = request.args.get("next", "")
        # Only local paths: never an open redirect.
        if not _is_local(target):
            target = url_for("facilitator.dashboard")
        return redirect(target)
    return render_template("login.html", form=form, error=None)


@bp.post("/logout")
def logout() -> Any:
    """Sign out, back to the home page."""
    logout_user()
    return redirect(url_for("main.home"))


@bp.get("/lang/<code>")
def set_language(code: str) -> Any:
    """Switch the interface language; remembered in a cookie."""
    target = request.args.get("next", "")
    if not _is_local(target):
        target = url_for("main.home")
    response = redirect(target)
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie("semis_lang", code, max_age=365 * 86400, samesite="Lax")
    return response


@bp.get("/healthz")
def healthz() -> Any:
    """``200 {"status": "ok"}`` once the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        db.session.rollback()
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})
