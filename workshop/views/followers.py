"""People kept informed: one-click unsubscribe (/desabonnement/<token>) and the members'
view of followers and sent emails (/fabriques/<slug>/abonnes).

The unsubscribe link is opened by mail scanners before the person: GET changes nothing
and shows a button; POST unsubscribes. Mail clients that follow RFC 8058 POST
``List-Unsubscribe=One-Click`` to the same address without a CSRF token, so that route
alone is exempt (the link's secret is the proof). Every page here is ``no-store``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from ..auth import login_required
from ..extensions import csrf, limiter
from ..models import Project
from ..services import followers
from .access import member_fabrique

bp = Blueprint("followers", __name__)


@bp.after_request
def _no_store(response: Any) -> Any:
    # Personal links and followers' addresses: never kept by a browser or a proxy.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_global("project_followers")
def project_followers(project: Project) -> followers.ProjectFollowers:
    """For ``projects/_followers.html``: the project's followers (counted) and last
    emails (the project page already checked membership)."""
    return followers.project_followers(project.fabrique_id, project.id)


def _language(following: followers.Following | None) -> str:
    if following is None:
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    return following.language


def _unknown() -> Any:
    return render_template("followers/unknown.html"), 404


unsubscribe_limit = limiter.limit("30 per minute", key_func=get_remote_address, scope="unsubscribe")


@bp.get("/desabonnement/<path:token>")
@unsubscribe_limit
def unsubscribe(token: str) -> Any:
    """What the link follows, and a button to stop (nothing changes on GET)."""
    found = followers.following(token)
    if found is None:
        return _unknown()
    with force_locale(_language(found)):
        return render_template("followers/unsubscribe.html", following=found, token=token)


@bp.post("/desabonnement/<path:token>")
@unsubscribe_limit
def confirm_unsubscribe(token: str) -> Any:
    """Unsubscribe: the page's button, or a mail client's RFC 8058 one-click POST."""
    found = followers.unsubscribe(token)
    if found is None:
        return _unknown()
    with force_locale(_language(found)):
        return render_template("followers/unsubscribed.html", following=found)


# RFC 8058: mail clients POST « List-Unsubscribe=One-Click » with no CSRF token; the
# link's secret is what proves the request. This route only.
csrf.exempt(f"{__name__}.confirm_unsubscribe")


@bp.get("/fabriques/<slug>/abonnes")
@login_required
def overview(slug: str) -> Any:
    """Per project: how many follow it (never who), and the emails sent, waiting, failed."""
    fabrique = member_fabrique(slug)
    return render_template(
        "followers/overview.html",
        fabrique=fabrique,
        projects=followers.overview(fabrique),
        failed=followers.failed_mails(fabrique),
    )


@bp.get("/fabriques/<slug>/abonnes/adresses")
@login_required
def contacts(slug: str) -> Any:
    """The followers' addresses, for members only (a page no browser keeps)."""
    fabrique = member_fabrique(slug)
    return render_template(
        "followers/contacts.html", fabrique=fabrique, contacts=followers.contacts(fabrique)
    )


@bp.post("/fabriques/<slug>/abonnes/courriels/<int:mail_id>/renvoyer")
@login_required
def resend(slug: str, mail_id: int) -> Any:
    """« Renvoyer »: a failed email goes back to the queue."""
    fabrique = member_fabrique(slug)
    followers.resend(fabrique, mail_id)
    flash(_("The email will be sent again in a moment."), "success")
    return redirect(url_for("followers.overview", slug=fabrique.slug))


@bp.post("/fabriques/<slug>/abonnes/<int:follower_id>/desabonner")
@login_required
def unsubscribe_for(slug: str, follower_id: int) -> Any:
    """A member stops the emails of someone who asked them to."""
    fabrique = member_fabrique(slug)
    follower = followers.unsubscribe_for(fabrique, follower_id)
    flash(
        _("%(email)s will receive no more emails about this project.", email=follower.email),
        "success",
    )
    return redirect(url_for("followers.contacts", slug=fabrique.slug))
