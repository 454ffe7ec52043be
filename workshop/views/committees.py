"""Committees: a Fabrique's members set them up (/fabriques/<slug>/comites), committee
members grade through their personal link (/comite/<token>).
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("committees", __name__)
