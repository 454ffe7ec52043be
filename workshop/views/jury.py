"""The jury of a cycle: jurors grade through their personal link; facilitators deliberate."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("jury", __name__)
