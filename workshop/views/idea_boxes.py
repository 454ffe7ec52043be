"""Idea boxes: the public page where inhabitants post at any time (/p/<slug>/boite/<box>),
the members' moderation, and needs relayed by partners.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("idea_boxes", __name__)
