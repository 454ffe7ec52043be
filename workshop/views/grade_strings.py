"""The strings of majority judgment in a room for the browser scripts (phone/grades.js,
grade_results.js, the screen and the console), merged into :func:`js_strings`."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..majority import GRADE_LABELS
from .plurals import plural_forms


def grade_js_strings() -> dict[str, Any]:
    """Every string the majority-judgment scripts show, by key, in the page's language."""
    return {
        "grades.names": {str(grade): str(name) for grade, name in enumerate(GRADE_LABELS)},
        "grades.hint": _("Give each proposal a grade, from « to reject » to « excellent »."),
        "grades.count": _("%(grade)s: %(count)s"),
        "grades.none": _("No grade yet"),
        "grades.no_grades": _("No grades yet."),
        "grades.majority_label": _("Majority grade"),
        "grades.cast": plural_forms("%(count)s grade", "%(count)s grades"),
        "grades.progress": plural_forms(
            "%(count)s proposal graded out of %(total)s",
            "%(count)s proposals graded out of %(total)s",
        ),
        "grades.sending": _("Saving…"),
        "grades.saved": _("Saved: « %(title)s », %(grade)s."),
        "grades.cleared": _("Grade cleared: « %(title)s » counts as « to reject »."),
        "grades.clear": _("Clear my grade"),
        "grades.own": _("Your idea: you cannot grade it."),
    }
