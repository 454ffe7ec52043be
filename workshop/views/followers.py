"""People kept informed: one-click unsubscribe (/desabonnement/<token>) and the members'
view of followers and sent emails.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("followers", __name__)
