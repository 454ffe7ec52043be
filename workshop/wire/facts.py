"""Facts: a broadcast fact is a :class:`FactEnvelope` merged with the payload of its
name (:class:`IdeaPosted` for ``idea_posted``, and so on), except ``presence_changed``."""

# No ``from __future__ import annotations``: the annotations are evaluated, so that
# ``__required_keys__`` and ``__optional_keys__`` know the ``NotRequired`` keys.
from typing import NotRequired, TypeAlias, TypedDict

from .views import (
    ChallengeView,
    ContainerOrder,
    GroupingView,
    IdeaStub,
    IdeaView,
    ParticipantView,
    PhaseView,
    QualificationView,
    TimerView,
    VolunteerCounts,
    VoteState,
    WorkshopSettings,
    WorkshopView,
)


class FactEnvelope(TypedDict):
    """What every broadcast fact carries besides its payload."""

    workshop_id: int
    seq: int
    # A folded run of one mergeable fact (``votes_changed``, ``timer_changed``): the
    # run's first seq, ``seq`` being its last.
    since: NotRequired[int]


class PresenceChanged(TypedDict):
    """``presence_changed``, whole: ephemeral, so neither stored nor sequenced."""

    workshop_id: int
    connected: int


class WorkshopUpdated(TypedDict):
    workshop: WorkshopView


class SettingsChanged(TypedDict):
    settings: WorkshopSettings


class AgendaChanged(TypedDict):
    phases: list[PhaseView]


class PhaseChanged(TypedDict):
    phase: PhaseView
    workshop: WorkshopView
    timer: TimerView


class TimerChanged(TypedDict):
    timer: TimerView


class ParticipantJoined(TypedDict):
    participant: NotRequired[ParticipantView]  # facilitators only
    participants: NotRequired[list[ParticipantView]]  # facilitators only, when folded
    participant_count: int


class ParticipantErased(TypedDict):
    """A participant's data was erased: facilitators drop them from their list
    (the public payload carries nothing but the envelope)."""

    participant_id: NotRequired[int]  # facilitators only


class IdeaChanged(TypedDict):
    """``idea_posted``, ``idea_updated``, ``idea_hidden``, ``idea_restored`` and
    ``idea_approved``: the idea as the room may see it."""

    idea: IdeaView | IdeaStub


IdeaPosted: TypeAlias = IdeaChanged
IdeaUpdated: TypeAlias = IdeaChanged
IdeaHidden: TypeAlias = IdeaChanged
IdeaRestored: TypeAlias = IdeaChanged
IdeaApproved: TypeAlias = IdeaChanged


class IdeaWithdrawn(TypedDict):
    idea_id: int


class IdeaMoved(TypedDict):
    """The moved idea and the new order of the containers it left and joined."""

    idea_id: int
    orders: list[ContainerOrder]


class IdeasMerged(TypedDict):
    idea: IdeaView | IdeaStub  # the absorbing idea
    merged: IdeaView | IdeaStub  # the absorbed one, now ``merged``


class DuplicatesMerged(TypedDict):
    """A cluster of duplicates merged in one action (``merge_duplicates``)."""

    idea: IdeaView | IdeaStub  # the idea kept
    merged: list[IdeaView | IdeaStub]  # the absorbed ones, now ``merged``


class DuplicatesUnmerged(TypedDict):
    """A cluster merge taken back: the ideas back as they were, and the grouping."""

    ideas: list[IdeaView | IdeaStub]
    grouping: GroupingView


class DuplicatesDismissed(TypedDict):
    """« Pas des doublons »: ideas a facilitator said are not duplicates."""

    idea_ids: list[int]


class ChallengeChanged(TypedDict):
    """``challenge_created`` and ``challenge_updated``."""

    challenge: ChallengeView


ChallengeCreated: TypeAlias = ChallengeChanged
ChallengeUpdated: TypeAlias = ChallengeChanged


class ChallengesReordered(TypedDict):
    challenge_ids: list[int]


class GroupingChanged(TypedDict):
    """A bulk change (suggestions applied or undone, défis merged, split or deleted):
    the whole grouping, absolute."""

    reason: str
    grouping: GroupingView


VotesChanged: TypeAlias = VoteState


class VotePhaseChanged(TypedDict):
    """``vote_configured`` and ``vote_reopened``."""

    phase: PhaseView


VoteConfigured: TypeAlias = VotePhaseChanged
VoteReopened: TypeAlias = VotePhaseChanged


class VoteShown(TypedDict):
    """``votes_revealed`` and ``results_frozen``: the phase and its full tallies."""

    phase: PhaseView
    votes: VoteState


VotesRevealed: TypeAlias = VoteShown
ResultsFrozen: TypeAlias = VoteShown


class QualificationSaved(TypedDict):
    qualification: QualificationView


VolunteersChanged: TypeAlias = VolunteerCounts
