"""The défi tables' strings for the browser scripts (phone/table.js, phone/host.js,
tables/*.js, the screen and the console), merged into :func:`js_strings`."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..phases import CONTRIBUTION_KIND_LABELS
from .plurals import plural_forms


def default_kind_labels() -> dict[str, str]:
    """The default labels of the contribution kinds (a kind whose label is "")."""
    return {key: str(label) for key, label in CONTRIBUTION_KIND_LABELS.items()}


def table_js_strings() -> dict[str, Any]:
    """Every string the tables' scripts show, by key, in the page's language."""
    return {
        "phase.tables": _("Work at your table: add contributions and vote for the best ones."),
        "phase.restitution": _("Each table presents its work in turn."),
        "table.kind_defaults": default_kind_labels(),
        "table.number": _("Table %(number)s"),
        "table.kept": _("Kept by the table"),
        "table.kept_heading": _("What the table keeps"),
        "table.none_kept": _("Nothing kept yet."),
        "table.none_of_kind": _("Nothing yet."),
        "table.no_synthesis": _("No synthesis yet."),
        "table.synthesis_done": _("Done"),
        "table.text_required": _("Write your contribution before adding it."),
        "table.posted": _("Your contribution is added."),
        "table.vote": _("Vote for it"),
        "table.voted": _("Voted ✓"),
        "table.unvote": _("Take back my vote"),
        "table.no_votes_left": _(
            "You have given all your votes. Tap a « Voted » button to take one back."
        ),
        "table.not_working": _("The table work is not open right now."),
        "table.keep": _("Keep"),
        "table.unkeep": _("Kept ✓"),
        "table.seats_left": plural_forms("%(count)s seat left", "%(count)s seats left"),
        "table.full": _("Full"),
        "table.sit_here": _("Sit here"),
        "table.seated": plural_forms("%(count)s person seated", "%(count)s people seated"),
        "table.synthesis_saved": _("Synthesis saved."),
        "table.synthesis_saved_done": _("Synthesis saved and marked as done."),
        "table.synthesis_conflict": _(
            "Someone saved the synthesis in the meantime: yours is not saved. Compare with "
            "the latest version below, load it, then make your changes again."
        ),
        "table.synthesis_changed_elsewhere": _("Someone else has just changed the synthesis."),
        "table.contributions": plural_forms("%(count)s contribution", "%(count)s contributions"),
        "table.kept_count": plural_forms("%(count)s kept", "%(count)s kept"),
        "table.seated_of": _("%(seated)s / %(capacity)s seated"),
        "table.host": _("Host"),
        "table.no_host": _("No host"),
        "table.spotlight": _("Put in the spotlight"),
        "table.spotlight_end": _("End the spotlight"),
        "table.open": _("Open this table"),
        "table.close": _("Close the table"),
        "tables.choose_challenges": _("Give at least one challenge a table."),
        "tables.confirm_delete": _(
            "Delete table %(number)s? Its contributions are deleted with it, and the people "
            "seated there are no longer seated."
        ),
        "tables.confirm_round": _(
            "Start a new round? Hosts stay at their table; the others move or choose again."
        ),
        "tables.remove_kind": _("Remove"),
        "tables.saved": _("Saved."),
        "tables.created": plural_forms("%(count)s table created.", "%(count)s tables created."),
        "tables.balanced": plural_forms(
            "Tables balanced: %(count)s person seated or moved.",
            "Tables balanced: %(count)s people seated or moved.",
        ),
        "tables.spotlit": _("In the spotlight: table %(number)s."),
        "tables.no_spotlight": _("No table in the spotlight: choose one below."),
        "table.synthesis_heading": _("The table's synthesis"),
        "count.tables": plural_forms("%(count)s table", "%(count)s tables"),
    }
