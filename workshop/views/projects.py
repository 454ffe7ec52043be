"""A Fabrique's projects: the portfolio's lines, their sheet, stage, holders and history."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("projects", __name__, url_prefix="/fabriques/<slug>/projets")
