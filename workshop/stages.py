"""The follow-up stages of a qualified défi or idea: their order, their words, their rule.

One home for what the workshop's qualification sheet, the Fabrique's portfolio, the
exports and every template say about a stage.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .errors import AbandonReasonRequired
from .models import Maturity, Stage

#: The stages in pipeline order, as stored and exported.
STAGES: tuple[str, ...] = tuple(stage.value for stage in Stage)

STAGE_LABELS = {
    Stage.TO_STUDY.value: _l("To study"),
    Stage.OPPORTUNITY_STUDY.value: _l("Opportunity study"),
    Stage.HOLDER_SEARCH.value: _l("Looking for a holder"),
    Stage.LAUNCHING.value: _l("Launching"),
    Stage.LAUNCHED.value: _l("Launched"),
    Stage.ABANDONED.value: _l("Abandoned"),
}

MATURITY_LABELS = {
    Maturity.IDEA.value: _l("Idea"),
    Maturity.PROJECT.value: _l("Project"),
    Maturity.TESTED.value: _l("Already tested"),
}


def abandon_reason_for(stage: str, reason: str | None) -> str:
    """The reason to keep with ``stage``: an abandoned project must say why (else
    :class:`AbandonReasonRequired`); any other stage keeps no reason."""
    if stage != Stage.ABANDONED:
        return ""
    if not reason:
        raise AbandonReasonRequired(field="abandon_reason", reason="required")
    return reason
