"""Acks: every Socket.IO command answers :data:`Ack` (:class:`OkAck` with the command's
data, or :class:`ErrorAck`), and the data of the commands whose answer is neither a view
nor a fact's payload."""

# No ``from __future__ import annotations``: the annotations are evaluated, so that
# ``__required_keys__`` and ``__optional_keys__`` know the ``NotRequired`` keys.
from typing import Generic, Literal, NotRequired, TypeAlias, TypedDict, TypeVar

from .views import IdeaStub, IdeaView, VolunteerView

T = TypeVar("T")


class ErrorBody(TypedDict):
    code: str  # a WorkshopError code, listed in docs/protocol.md
    message: str  # translated, for people
    details: NotRequired[dict[str, object]]  # e.g. the invalid ``field`` and ``reason``


class OkAck(TypedDict, Generic[T]):
    ok: Literal[True]
    data: T


class ErrorAck(TypedDict):
    ok: Literal[False]
    error: ErrorBody


# A command's answer: ``Ack[IdeaView]``, or ``Ack[None]`` for a command with no data.
Ack: TypeAlias = OkAck[T] | ErrorAck


class PostIdeaResult(TypedDict):
    idea: IdeaView | IdeaStub  # the author's own view
    created: bool  # false: a retry of a post already stored


class VoteResult(TypedDict):
    """``cast_vote``, ``withdraw_vote``, ``set_vote``: the caller's dots in the vote."""

    phase_id: int
    target: Literal["ideas", "challenges"]
    votes: dict[str, int]  # item id → dots
    remaining: int  # what is left of the budget


class OfferHelpResult(TypedDict):
    volunteers: list[VolunteerView]  # the caller's offers, after the change


class WithdrawHelpResult(OfferHelpResult):
    removed: bool


class ErasureResult(TypedDict):
    """The ack of ``erase_my_data`` and ``erase_participant``: what went."""

    participant_id: int
    offers: int
    ideas_kept: int
    ideas_deleted: int
