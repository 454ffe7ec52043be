"""Reports for funders and collectivités, and the public « carnet de projets »
(/p/<slug>/carnet).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
