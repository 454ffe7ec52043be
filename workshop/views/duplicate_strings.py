"""The duplicate review's strings for static/js/duplicates.js (see :mod:`.js_strings`)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .plurals import plural_forms


def duplicate_js_strings() -> dict[str, Any]:
    """Every string the duplicate review shows, by key, in the page's language."""
    return {
        "duplicates.searching": _("Looking for duplicates among the ideas…"),
        "duplicates.found": plural_forms(
            "%(count)s group of likely duplicates among %(ideas)s ideas.",
            "%(count)s groups of likely duplicates among %(ideas)s ideas.",
        ),
        "duplicates.none": _("No likely duplicates left among %(ideas)s ideas."),
        "duplicates.group": _("Group %(number)s"),
        "duplicates.similarity": _("similarity %(low)s to %(high)s"),
        "duplicates.similarity_one": _("similarity %(score)s"),
        "duplicates.keep": _("Idea to keep"),
        "duplicates.include": _("In the merge"),
        "duplicates.merge": _("Merge"),
        "duplicates.dismiss": _("Not duplicates"),
        "duplicates.merged_done": plural_forms(
            "%(count)s idea merged into « %(title)s ».",
            "%(count)s ideas merged into « %(title)s ».",
        ),
        "duplicates.dismissed_done": _(
            "Kept apart: these ideas will not be suggested together again."
        ),
        "duplicates.unclassified": _("Not in a challenge"),
        "duplicates.in_challenge": _("Challenge: %(title)s"),
        "duplicates.author": _("By %(name)s"),
    }
