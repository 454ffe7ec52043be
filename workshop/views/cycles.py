"""Cycles (cohorts): the facilitators' pages, enrolment, and an enrolled person's cycle page."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cycles", __name__)
