"""Translated strings the browser scripts need, rendered into each page as JSON.

This is their one source: static/js/i18n.js reads them (``t``, ``tn``, ``label``) and no
script holds a user-facing text of its own."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..models import Profile
from ..phases import KIND_LABELS
from ..schemas.fields import DESCRIPTION_MAX, NEED_MAX, TITLE_MAX
from ..stages import STAGE_LABELS
from .duplicate_strings import duplicate_js_strings
from .grade_strings import grade_js_strings
from .pitch_strings import pitch_js_strings
from .plurals import plural_forms
from .table_strings import table_js_strings


def profile_labels() -> dict[str, str]:
    """The participants' profiles, as the join form and the console name them."""
    return {
        Profile.CITIZEN: _("Citizen"),
        Profile.ELECTED: _("Elected official / local authority"),
        Profile.ASSOCIATION: _("Association"),
        Profile.BUSINESS: _("Business"),
        Profile.PROJECT_HOLDER: _("Project holder"),
        Profile.OTHER: _("Other"),
    }


def status_labels() -> dict[str, str]:
    """A workshop's statuses, as facilitators see them."""
    return {"draft": _("In preparation"), "open": _("Live"), "closed": _("Closed")}


def js_strings() -> dict[str, Any]:
    """Every string the browser scripts show, by key, in the page's language."""
    return {
        "status.online": _("Connected"),
        "status.offline": _("No connection. Reconnecting…"),
        "status.reconnecting": _("Reconnecting…"),
        "status.back": _("Back online"),
        "status.refused": _("You cannot follow this workshop from here."),
        "error.offline": _("No connection. Try again in a moment."),
        "error.timeout": _("The server did not answer. Try again."),
        "error.unknown": _("Something went wrong."),
        # The duplicate review (duplicates.js): its own module.
        **duplicate_js_strings(),
        "outbox.waiting": plural_forms(
            "%(count)s item waiting to be sent", "%(count)s items waiting to be sent"
        ),
        "outbox.failed": plural_forms("%(count)s item refused", "%(count)s items refused"),
        "outbox.waiting_one": _("Waiting to be sent"),
        "outbox.not_sent": _("Not sent:"),
        "outbox.dismiss": _("Clear"),
        "outbox.idea_retrying": _("Your idea will be sent again automatically."),
        "outbox.idea_queued": _(
            "No connection: your idea will be sent as soon as you are back online."
        ),
        "idea.pending": _("Waiting for approval"),
        "idea.hidden": _("Hidden"),
        "idea.anonymous": _("Anonymous"),
        "idea.mine": _("My idea"),
        "idea.merged": _("Merged with a close idea"),
        "idea.need": _("Need it answers:"),
        "idea.sent": _("Your idea is posted."),
        "idea.sent_pending": _("Your idea is sent. It will be shown once approved."),
        "idea.updated": _("Your idea is updated."),
        "idea.withdrawn": _("Your idea is withdrawn."),
        "idea.confirm_withdraw": _("Withdraw this idea? Everybody will stop seeing it."),
        "idea.empty": _("No ideas yet."),
        "idea.title_required": _("Write your idea in a few words before posting it."),
        # A text field's limit, said under the field, and what is said when it is over.
        "field.max": _("%(max)s characters at most."),
        "field.too_long": _("Too long: %(count)s characters, %(max)s at most."),
        # Not texts: the server's limits for an idea's fields (schemas/fields.py), so
        # that the phone's form checks and says the very same ones.
        "limits.idea": {"title": TITLE_MAX, "description": DESCRIPTION_MAX, "need": NEED_MAX},
        "action.edit": _("Edit"),
        "action.withdraw": _("Withdraw"),
        "action.save": _("Save"),
        "action.cancel": _("Cancel"),
        "action.hide": _("Hide"),
        "action.restore": _("Show again"),
        "action.approve": _("Approve"),
        # An action on one item, for screen readers: "Add a vote: Un jardin partagé".
        "label.item": _("%(label)s: %(item)s"),
        "unit.minutes": _("min"),
        "phase.none": _("The workshop will start soon."),
        "phase.read_only": _("During this step you can read the ideas."),
        "phase.can_post": _("Post your ideas!"),
        "phase.can_vote": _(
            "Vote for the ideas you prefer: tap + to give a vote, − to take it back."
        ),
        "phase.can_vote_challenges": _(
            "Vote for the challenges you prefer: tap + to give a vote, − to take it back."
        ),
        "phase.vote_over": _("The vote is over. The results are just below."),
        "timer.paused": _("Paused"),
        "workshop.closed": _("This workshop is over. Thank you for taking part!"),
        "workshop.status": status_labels(),
        "joining.open": _("Joining open"),
        "joining.closed": _("Joining closed"),
        "joining.close_action": _("Close joining"),
        "joining.open_action": _("Reopen joining"),
        "vote.add": _("Add a vote"),
        "vote.remove": _("Remove a vote"),
        "vote.closed": _("The vote is over. Thank you!"),
        "vote.own": _("Your idea: you cannot vote for it"),
        "vote.hidden": _("The results will be shown at the end of the vote."),
        "vote.no_votes": _("No votes yet."),
        "vote.results": _("Results"),
        "vote.saved": _("Vote settings saved."),
        "vote.none_left": _(
            "You have given all your votes. To change your mind, tap − to take one back."
        ),
        "grouping.unclassified": _("Not classified"),
        "grouping.move_to": _("Move to…"),
        "grouping.merge_into": _("Merge into…"),
        "grouping.merge_challenge": _("Merge with…"),
        "grouping.title": _("Title of the challenge"),
        "grouping.description": _("Description"),
        "grouping.split": _("New challenge with the ticked ideas"),
        "grouping.split_help": _("Tick the ideas of this challenge to move to a new one."),
        "grouping.select": _("Select"),
        "grouping.earlier": _("Move this challenge earlier"),
        "grouping.later": _("Move this challenge later"),
        "grouping.delete": _("Delete"),
        "grouping.confirm_delete": _(
            "Delete this challenge? Its ideas go back to the ideas not classified."
        ),
        "grouping.computing": _("Looking for groups…"),
        "grouping.applied": _("The challenges are created. You can undo it."),
        "grouping.undone": _("The previous grouping is back."),
        "grouping.keep": _("Keep this group"),
        "grouping.similar": _("A close idea exists already. Have a look before posting:"),
        "grouping.see": _("See it"),
        "grouping.place": _("Put in a challenge…"),
        # The console's grouping board: explicit buttons, and « Annuler » after a change.
        "grouping.move": _("Move"),
        "grouping.merge": _("Merge…"),
        "grouping.merge_challenge_button": _("Merge"),
        "grouping.choose_first": _("Choose where first."),
        "grouping.merge_mode": _(
            "Choose the idea that absorbs « %(title)s »: its button « Merge here »."
        ),
        "grouping.merge_here": _("Merge here"),
        "grouping.merge_filter": _("Find an idea"),
        "grouping.merge_cancel": _("Cancel the merge"),
        "grouping.moved": _("« %(title)s » moved to « %(to)s »."),
        "grouping.merged": _("« %(title)s » merged into « %(into)s »."),
        "grouping.challenges_merged": _("Challenge « %(title)s » merged into « %(into)s »."),
        "grouping.split_done": plural_forms(
            "New challenge made with %(count)s idea.", "New challenge made with %(count)s ideas."
        ),
        # Imported ideas on the board: rewording them, and their file's other columns.
        "grouping.reword": _("Reword"),
        "grouping.reword_title": _("Title of the idea"),
        "grouping.reword_description": _("Text of the idea"),
        "grouping.reword_save": _("Save"),
        "grouping.reword_cancel": _("Cancel"),
        "grouping.reworded": _("« %(title)s » reworded."),
        "grouping.details": _("From the imported file"),
        "idea.hidden_done": _("« %(title)s » is hidden."),
        "toast.undo": _("Undo"),
        "toast.undone": _("Undone."),
        "toast.close": _("Close this message"),
        "console.confirm_close": _(
            "Close the workshop? Participants will no longer be able to post or vote."
        ),
        "vote.confirm_freeze": _(
            "Freeze the results? The vote stops and the ranking is final (you can reopen it)."
        ),
        "count.votes_left": plural_forms("%(count)s vote left", "%(count)s votes left"),
        "count.voters": plural_forms("%(count)s person has voted", "%(count)s people have voted"),
        "count.votes": plural_forms("%(count)s vote", "%(count)s votes"),
        "kinds": {kind.value: str(label) for kind, label in KIND_LABELS.items()},
        "profiles": {str(k): v for k, v in profile_labels().items()},
        "count.connected": plural_forms("%(count)s person connected", "%(count)s people connected"),
        "count.ideas": plural_forms("%(count)s idea", "%(count)s ideas"),
        "count.pending": plural_forms("%(count)s idea waiting", "%(count)s ideas waiting"),
        "count.participants": plural_forms("%(count)s participant", "%(count)s participants"),
        # The projected screen's pages and theme (screen.js).
        "count.challenges": plural_forms("%(count)s challenge", "%(count)s challenges"),
        "screen.page": _("page %(page)s of %(pages)s"),
        "screen.paused": _("paused"),
        "screen.more": plural_forms(
            "… and %(count)s more in the ranking", "… and %(count)s more in the ranking"
        ),
        "screen.contrast": _("High contrast"),
        # Qualification sheets and volunteer offers (qualify.js, volunteer.js).
        "qualify.stages": {stage: str(label) for stage, label in STAGE_LABELS.items()},
        "qualify.counts": {
            "hold": _("Could carry it: {count}"),
            "contribute": _("Want to contribute: {count}"),
            "follow": _("Follow it: {count}"),
        },
        "qualify.targets": {"challenge": _("Challenge"), "idea": _("Idea")},
        "qualify.no_sheet": _("Not qualified yet"),
        "qualify.saved": _("Sheet saved."),
        "qualify.conflict": _(
            "Someone saved this sheet in the meantime: your changes are not saved. "
            "Load the latest version, then make your changes again."
        ),
        "qualify.changed_elsewhere": _("Someone else has just changed this sheet."),
        "qualify.load_latest": _("Load the latest version"),
        "qualify.choose": _("Choose a challenge or an idea"),
        "volunteer.kinds": {
            "hold": _("I could carry this project"),
            "contribute": _("I want to contribute"),
            "follow": _("Keep me informed"),
        },
        "volunteer.offered": _("Thank you! Your offer is recorded."),
        "volunteer.withdrawn": _("Your offer is withdrawn."),
        "volunteer.consent_withdrawn": _("Your contact details are erased."),
        "volunteer.withdraw_consent": _("Withdraw my consent to be contacted"),
        "volunteer.consented": _("You agreed to be contacted."),
        "volunteer.not_consented": _("You did not agree to be contacted."),
        "volunteer.no_contact": _("no contact (no consent)"),
        "volunteer.has_contact": _("agreed to be contacted: details on the contacts page"),
        "people.erase": _("Delete their data"),
        "people.erase_label": _("Delete their data: {name}"),
        "people.confirm_erase": _(
            "Delete the data of {name}? Their pseudonym, profile, offers and contact details "
            "are erased for good (their ideas follow the workshop's data settings)."
        ),
        "volunteer.none": _("No volunteer yet."),
        # The défi tables (issue #13): their own module, to keep this list readable.
        **table_js_strings(),
        **pitch_js_strings(),
        # Majority judgment in a vote step: its own module too.
        **grade_js_strings(),
    }
