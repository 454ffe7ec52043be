"""The projected screen: the join QR code, the timer and the live idea wall."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from ..auth import screen_key_matches
from ..errors import NotFound, UnknownCode
from ..exports.links import join_url
from ..services import lookup
from .common import error_response, qr_join_url, qr_svg

bp = Blueprint("screen", __name__)


@bp.get("/s/<code>/<key>")
def show(code: str, key: str) -> Any:
    """Only a browser given the full screen link (with its secret key) shows the screen."""
    try:
        workshop = lookup.find_by_code(code)
    except UnknownCode:
        return error_response(NotFound())
    if not screen_key_matches(workshop, key):
        return error_response(NotFound())
    return render_template(
        "screen.html",
        workshop=workshop,
        join_url=join_url(workshop),
        qr=qr_svg(qr_join_url(workshop)),
    )
