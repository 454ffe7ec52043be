"""The pitch step's strings for the browser scripts (phone/pitch.js, screen/pitch.js,
console/pitch.js), merged into :func:`js_strings`."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..schemas.cycles import FEEDBACK_KIND_LABELS
from .plurals import plural_forms


def pitch_js_strings() -> dict[str, Any]:
    """Every string the pitch step's scripts show, by key, in the page's language."""
    return {
        "pitch.kind_defaults": {key: str(label) for key, label in FEEDBACK_KIND_LABELS.items()},
        "pitch.hint": _("Listen to each project, then give its holder your feedback."),
        "pitch.waiting": _("The next project comes in a moment."),
        "pitch.position": _("Project %(position)s of %(count)s"),
        "pitch.part_pitch": _("Pitch"),
        "pitch.part_questions": _("Questions"),
        "pitch.holder": _("Held by %(name)s"),
        "pitch.your_turn": _("It's your turn: the others give you their feedback."),
        "pitch.your_turn_after": _("You will find their feedback on « My project »."),
        "pitch.signed_note": _("Your card is signed with your name."),
        "pitch.anonymous_note": _(
            "Your card is anonymous for the room and the holder; the facilitators can see"
            " who wrote it."
        ),
        "pitch.text_required": _("Write your feedback before sending it."),
        "pitch.sent": _("Thank you, your feedback is sent."),
        "pitch.counts": _("Feedback received"),
        "pitch.kind_count": _("%(kind)s: %(count)s"),
        "pitch.no_cards": _("No feedback yet."),
        "pitch.anonymous": _("Anonymous"),
        "pitch.spotlight": _("Spotlight this project"),
        "pitch.in_spotlight": _("In the spotlight now"),
        "pitch.no_projects": _("The cycle has no projects yet."),
        "pitch.hide": _("Hide"),
        "pitch.show": _("Show again"),
        "pitch.select": _("Show on the screen"),
        "pitch.unselect": _("Take off the screen"),
        "pitch.hidden": _("Hidden card"),
        "pitch.on_screen": _("On the screen"),
        "pitch.saved": _("Saved."),
        "pitch.cards_count": plural_forms("%(count)s card", "%(count)s cards"),
        "pitch.cards_of": _("Cards for « %(title)s »"),
        "pitch.not_a_step": _("The pitch commands work during a pitch step of the agenda."),
    }
