"""« Mon projet »: a holder's project page across a cycle, and the facilitators' view of them."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("my_project", __name__)
