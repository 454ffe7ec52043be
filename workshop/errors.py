"""One error vocabulary for HTTP, Socket.IO and the CLI.

A :class:`WorkshopError` carries a stable ``code`` that clients switch on, a
translated ``message`` for people, and an HTTP status. Codes are documented in
``docs/protocol.md``; a test checks that every code defined here is listed there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from .wire import ErrorBody


class WorkshopError(Exception):
    """Base class: ``code`` is stable, ``message`` is translated at render time."""

    code = "error"
    status = 400
    default_message: Any = _l("Something went wrong.")

    def __init__(self, message: Any = None, **details: Any) -> None:
        self.message = message if message is not None else self.default_message
        self.details = details
        super().__init__(str(self.code))

    def to_dict(self) -> ErrorBody:
        """The ``error`` of an error ack (:class:`~workshop.wire.ErrorAck`)."""
        error: ErrorBody = {"code": self.code, "message": str(self.message)}
        if self.details:
            error["details"] = self.details
        return error


class ValidationError(WorkshopError):
    code = "invalid_input"
    default_message = _l("Some information is missing or not valid.")


class NotAuthenticated(WorkshopError):
    code = "not_authenticated"
    status = 401
    default_message = _l("Please sign in or join the workshop first.")


class Forbidden(WorkshopError):
    code = "forbidden"
    status = 403
    default_message = _l("You are not allowed to do this.")


class NotFound(WorkshopError):
    code = "not_found"
    status = 404
    default_message = _l("This item does not exist.")


class UnknownCode(WorkshopError):
    code = "unknown_code"
    status = 404
    default_message = _l("No workshop has this code. Check the code and try again.")


class WorkshopNotOpen(WorkshopError):
    code = "workshop_not_open"
    status = 409
    default_message = _l("This workshop has not started yet.")


class WorkshopClosed(WorkshopError):
    code = "workshop_closed"
    status = 409
    default_message = _l("This workshop is over.")


class JoiningClosed(WorkshopError):
    code = "joining_closed"
    status = 409
    default_message = _l("New people cannot join this workshop any more.")


class WrongPhase(WorkshopError):
    code = "wrong_phase"
    status = 409
    default_message = _l("This is not possible in the current step of the workshop.")


class WrongWorkshop(WorkshopError):
    code = "wrong_workshop"
    status = 403
    default_message = _l("This item belongs to another workshop.")


class NotAuthor(WorkshopError):
    code = "not_author"
    status = 403
    default_message = _l("Only the author of this idea can change it.")


class Conflict(WorkshopError):
    code = "conflict"
    status = 409
    default_message = _l("Someone changed this in the meantime. Reload and try again.")


class DuplicateClientId(WorkshopError):
    code = "duplicate_client_id"
    status = 409
    default_message = _l("This identifier is already used by another item.")


class RateLimited(WorkshopError):
    code = "rate_limited"
    status = 429
    default_message = _l("Too many attempts. Wait a moment and try again.")


class AlreadySetUp(WorkshopError):
    code = "already_set_up"
    status = 409
    default_message = _l("A facilitator account already exists. Please sign in.")


class EmailTaken(WorkshopError):
    code = "email_taken"
    status = 409
    default_message = _l("An account with this email address already exists.")


class BadCredentials(WorkshopError):
    code = "bad_credentials"
    status = 401
    default_message = _l("Wrong email address or password.")


class MessageTooLarge(WorkshopError):
    code = "message_too_large"
    status = 413
    default_message = _l("This message is too long.")


class VoteBudgetExhausted(WorkshopError):
    code = "vote_budget_exhausted"
    status = 409
    default_message = _l("You have used all your votes. Remove one to vote elsewhere.")


class VoteCapReached(WorkshopError):
    code = "vote_cap_reached"
    status = 409
    default_message = _l("You have given this item as many votes as allowed.")


class OwnIdeaVote(WorkshopError):
    code = "own_idea_vote"
    status = 403
    default_message = _l("In this vote you cannot vote for your own idea.")


class ItemNotVotable(WorkshopError):
    code = "item_not_votable"
    status = 409
    default_message = _l("This item cannot receive votes (hidden, waiting or withdrawn).")


class VoteClosed(WorkshopError):
    code = "vote_closed"
    status = 409
    default_message = _l("The vote is over: the results are frozen.")


class NoVoteToWithdraw(WorkshopError):
    code = "no_vote_to_withdraw"
    status = 409
    default_message = _l("You have no vote on this item to remove.")


class MergeCycle(WorkshopError):
    code = "merge_cycle"
    status = 409
    default_message = _l("An idea cannot be merged into itself or into an idea merged into it.")


class SuggestionsUnavailable(WorkshopError):
    code = "suggestions_unavailable"
    status = 503
    default_message = _l(
        "Suggestions could not be computed this time. Try again, or group by hand."
    )


class NothingToUndo(WorkshopError):
    code = "nothing_to_undo"
    status = 409
    default_message = _l("There is no suggested grouping to undo.")


class ImportNotOurs(WorkshopError):
    code = "import_not_ours"
    default_message = _l("This file is not a Semis workshop export.")


class ImportTruncated(WorkshopError):
    code = "import_truncated"
    default_message = _l("This file is cut off or damaged: it is not complete JSON.")


class ImportUnknownVersion(WorkshopError):
    code = "import_unknown_version"
    default_message = _l("This export uses a format version this server does not know.")


class ImportTampered(WorkshopError):
    code = "import_tampered"
    default_message = _l(
        "This file was changed after it was exported: its integrity digest does not match."
    )


class ImportInvalid(WorkshopError):
    code = "import_invalid"
    default_message = _l("This export does not follow the export schema.")


class ImportOutdated(WorkshopError):
    code = "import_outdated"
    status = 409
    default_message = _l("The portfolio already holds a newer export of this session.")


class InvalidInseeCode(ValidationError):
    code = "invalid_insee_code"
    default_message = _l(
        "Give a commune's INSEE code (5 characters: 5 digits, or 2A or 2B and 3 digits, "
        "for example 07186) or an intercommunalité's SIREN number (9 digits, for example "
        "200054781)."
    )


class AbandonReasonRequired(ValidationError):
    code = "abandon_reason_required"
    default_message = _l("Say why the project is abandoned.")


class ContactRequired(ValidationError):
    code = "contact_required"
    default_message = _l("To be contacted, give an email address or a phone number.")


class QualificationNotAllowed(WorkshopError):
    code = "qualification_not_allowed"
    status = 403
    default_message = _l("Participants cannot fill qualification sheets now. Ask the facilitators.")


class TargetUnavailable(WorkshopError):
    code = "target_unavailable"
    status = 409
    default_message = _l("This idea is not shown to everybody: it cannot be qualified or followed.")


class TableFull(WorkshopError):
    code = "table_full"
    status = 409
    default_message = _l("This table is full. Choose another table with seats left.")


class NotSeated(WorkshopError):
    code = "not_seated"
    status = 403
    default_message = _l("You are not seated at this table. Choose a table first.")


class KindInUse(WorkshopError):
    code = "kind_in_use"
    status = 409
    default_message = _l(
        "This kind of contribution is used by contributions: it cannot be removed."
    )


class NoVotesLeft(WorkshopError):
    code = "no_votes_left"
    status = 409
    default_message = _l("You have used your votes at this table. Remove one to vote elsewhere.")


class KeepLimit(WorkshopError):
    code = "keep_limit"
    status = 409
    default_message = _l("A table keeps 3 contributions at most. Release one first.")


class StaleVersion(Conflict):
    code = "stale_version"
    default_message = _l("Someone saved this synthesis in the meantime. Reload it and try again.")


class InternalError(WorkshopError):
    code = "internal_error"
    status = 500
    default_message = _l("An unexpected error happened. Nothing was changed. Please try again.")


def all_error_classes() -> list[type[WorkshopError]]:
    """Every concrete error class, for documentation checks."""
    found: list[type[WorkshopError]] = []
    stack: list[type[WorkshopError]] = [WorkshopError]
    while stack:
        cls = stack.pop()
        subclasses = cls.__subclasses__()
        found.extend(subclasses)
        stack.extend(subclasses)
    return found
