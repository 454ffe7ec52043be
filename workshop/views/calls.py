"""The call for holders: the public page (/p/<slug>/appel) and the candidates a Fabrique's
members follow.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("calls", __name__)
