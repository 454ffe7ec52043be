"""Home page, first set-up, sign-in and sign-out, password change, language choice and
the health check."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from sqlalchemy import text

from ..auth import (
    current_facilitator,
    disconnect_account,
    login_required,
    sign_in,
    sign_out,
)
from ..errors import Forbidden, ValidationError, WorkshopError
from ..extensions import db, limiter
from ..schemas import parse_email, parse_new_facilitator, parse_password
from ..services import accounts
from .common import strings_script

bp = Blueprint("main", __name__)


def failed_sign_in(response: Any) -> bool:
    """Only wrong credentials count against an account or an address (the sign-in
    page's limits, and the invitation link's: views/team.py)."""
    return bool(response.status_code == 401)


def _account_key() -> str:
    return str(request.form.get("email", "")).strip().lower()


# Wrong passwords are counted per account (against guessing one account from many
# addresses) and per address (against trying many accounts from one).
throttle_per_account = limiter.limit(
    lambda: str(current_app.config["LOGIN_ACCOUNT_LIMIT"]),
    key_func=_account_key,
    scope="login-account",
    methods=["POST"],
    deduct_when=failed_sign_in,
    # No email given: the form refuses it and there is no account to guess. Said here,
    # rather than Flask-Limiter logging an error for the empty key on every such try.
    exempt_when=lambda: not _account_key(),
)
throttle_per_address = limiter.limit(
    lambda: str(current_app.config["LOGIN_ADDRESS_LIMIT"]),
    key_func=get_remote_address,
    scope="login-address",
    methods=["POST"],
    deduct_when=failed_sign_in,
)


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
    """Create the first facilitator account; gone once one exists. Only with the link
    the server printed as it started (``?token=…``): whoever reaches the page first on
    a venue's network cannot take the server over."""
    if accounts.has_facilitators():
        flash(_("A facilitator account already exists. Please sign in."), "info")
        return redirect(url_for("main.login"))
    if not accounts.setup_token_matches(request.args.get("token")):
        refusal = Forbidden(
            _(
                "This set-up page needs the link printed in the terminal where Semis was "
                "started (make run or python run.py): open that link, with its token."
            )
        )
        return render_template("setup.html", form={}, error=refusal, refused=True), 403
    form = request.form.to_dict()
    if request.method == "POST":
        try:
            facilitator = accounts.create_facilitator(parse_new_facilitator(form), first=True)
        except WorkshopError as error:
            return render_template("setup.html", form=form, error=error), error.status
        sign_in(facilitator, remember=False)
        flash(_("Your account is ready. Create your first workshop."), "success")
        return redirect(url_for("facilitator.dashboard"))
    return render_template("setup.html", form=form, error=None)


@bp.route("/login", methods=["GET", "POST"])
@throttle_per_account
@throttle_per_address
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
        sign_in(facilitator, remember=form.get("remember") == "on")
        target = request.args.get("next", "")
        # Only local paths: never an open redirect.
        if not _is_local(target):
            target = url_for("facilitator.dashboard")
        return redirect(target)
    return render_template("login.html", form=form, error=None)


@bp.post("/logout")
def logout() -> Any:
    """Sign out, back to the home page: every session of the account ends, copies of
    its cookies included, and its sockets are disconnected."""
    facilitator = current_facilitator()
    if facilitator is not None:
        sign_out(facilitator)
    return redirect(url_for("main.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    """Change the password: every other session of the account ends, this one goes on
    under a new identity."""
    facilitator = current_facilitator()
    assert facilitator is not None  # noqa: S101 - login_required let the request in
    if request.method == "POST":
        form = request.form.to_dict()
        try:
            new = parse_password(form.get("new_password"))
            if form.get("new_password_confirm") != new:
                raise ValidationError(
                    _("The two new passwords differ."), field="new_password_confirm"
                )
            accounts.change_password(facilitator, str(form.get("current_password", "")), new)
        except WorkshopError as error:
            return render_template("password.html", error=error), error.status
        sign_in(facilitator, remember=current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies)
        disconnect_account(facilitator.id)
        flash(_("Your password is changed. Your other sessions are signed out."), "success")
        return redirect(url_for("facilitator.dashboard"))
    return render_template("password.html", error=None)


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


@bp.get("/i18n/<language>.js")
def strings(language: str) -> Any:
    """The browser's strings in ``language`` (every page loads it before its modules:
    static/js/i18n.js). Kept for a year when asked at its current ``?v=`` version,
    revalidated otherwise; gzipped for browsers that accept it."""
    if language not in current_app.config["LANGUAGES"]:
        abort(404)
    with force_locale(language):
        script = strings_script()
    gzipped = request.accept_encodings["gzip"] > 0
    response = make_response(script.gzipped if gzipped else script.body)
    response.mimetype = "text/javascript"
    response.vary.add("Accept-Encoding")
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.set_etag(script.version + ("-gzip" if gzipped else ""))
    if request.args.get("v") == script.version:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response.make_conditional(request)


@bp.get("/healthz")
def healthz() -> Any:
    """``200 {"status": "ok"}`` once the database answers."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        db.session.rollback()
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})
