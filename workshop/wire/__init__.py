"""What goes on the wire: the shapes of the views, acks and facts clients receive.

Types only (``TypedDict``), no behaviour; ``docs/protocol.md`` describes the same
shapes for people, and ``tests/test_protocol_doc.py`` checks the payloads against it.

One module per kind, every name re-exported here (``from workshop.wire import IdeaView``):

* :mod:`.views`: what :mod:`workshop.schemas.serialize` returns for each model, as a role
  may see it (:class:`IdeaView` is the full idea, :class:`IdeaStub` the ``{id, status}``
  others get of an idea they may not see).
* :mod:`.acks`: every Socket.IO command answers :data:`Ack` (:class:`OkAck` with the
  command's data, or :class:`ErrorAck` with :class:`ErrorBody`, see
  :meth:`workshop.errors.WorkshopError.to_dict`).
* :mod:`.facts`: a broadcast fact is a :class:`FactEnvelope` (``workshop_id``, ``seq``,
  ``since`` for a folded run, see :mod:`workshop.realtime`) merged with the payload
  of its name: :class:`IdeaPosted` for ``idea_posted``, and so on (the class is the
  :class:`~workshop.realtime.Facts` name in CamelCase). ``presence_changed`` is the
  exception: not stored, not sequenced, it is a :class:`PresenceChanged` as a whole.

How a service records a fact with these types: build the payload as a variable of the
fact's type, so mypy checks its keys and the views in it, and pass it to
:func:`workshop.services.event_log.record`; a fact whose public version differs gets
a second one (keys facilitators only receive are ``NotRequired``)::

    data: IdeaPosted = {"idea": serialize_idea(idea, Role.FACILITATOR, anonymous=...)}
    public: IdeaPosted = {"idea": serialize_idea(idea, Role.PARTICIPANT, anonymous=...)}
    event_log.record(workshop, Facts.IDEA_POSTED, data, public)

(``record`` takes any ``Mapping[str, object]``, so a ``TypedDict`` passes as it is.)
A command's data has its type here too when it is not a view or a fact's payload
(:class:`VoteResult`, :class:`PostIdeaResult`, ...).
"""

from .acks import (
    Ack,
    ErasureResult,
    ErrorAck,
    ErrorBody,
    OfferHelpResult,
    OkAck,
    PostIdeaResult,
    VoteResult,
    WithdrawHelpResult,
)
from .facts import (
    AgendaChanged,
    ChallengeChanged,
    ChallengeCreated,
    ChallengesReordered,
    ChallengeUpdated,
    DuplicatesDismissed,
    DuplicatesMerged,
    DuplicatesUnmerged,
    FactEnvelope,
    GroupingChanged,
    IdeaApproved,
    IdeaChanged,
    IdeaHidden,
    IdeaMoved,
    IdeaPosted,
    IdeaRestored,
    IdeasMerged,
    IdeaUpdated,
    IdeaWithdrawn,
    ParticipantErased,
    ParticipantJoined,
    PhaseChanged,
    PresenceChanged,
    QualificationSaved,
    ResultsFrozen,
    SettingsChanged,
    TimerChanged,
    VolunteersChanged,
    VoteConfigured,
    VotePhaseChanged,
    VoteReopened,
    VotesChanged,
    VoteShown,
    VotesRevealed,
    WorkshopUpdated,
)
from .views import (
    ChallengeView,
    ContactView,
    ContainerOrder,
    GroupingView,
    IdeaStub,
    IdeaView,
    MeView,
    ParticipantView,
    PhaseView,
    PhaseVoteView,
    QualificationView,
    RankingRow,
    TargetKind,
    TimerView,
    VolunteerCounts,
    VolunteerView,
    VoteSettings,
    VoteState,
    WorkshopSettings,
    WorkshopState,
    WorkshopView,
)

__all__ = [
    "ErasureResult",
    "Ack",
    "AgendaChanged",
    "ChallengeChanged",
    "ChallengeCreated",
    "ChallengesReordered",
    "ChallengeUpdated",
    "ChallengeView",
    "ContactView",
    "ContainerOrder",
    "ErrorAck",
    "ErrorBody",
    "FactEnvelope",
    "GroupingChanged",
    "GroupingView",
    "IdeaApproved",
    "IdeaChanged",
    "IdeaHidden",
    "IdeaMoved",
    "IdeaPosted",
    "IdeaRestored",
    "IdeasMerged",
    "DuplicatesDismissed",
    "DuplicatesMerged",
    "DuplicatesUnmerged",
    "IdeaStub",
    "IdeaUpdated",
    "IdeaView",
    "IdeaWithdrawn",
    "MeView",
    "OfferHelpResult",
    "OkAck",
    "ParticipantErased",
    "ParticipantJoined",
    "ParticipantView",
    "PhaseChanged",
    "PhaseView",
    "PhaseVoteView",
    "PostIdeaResult",
    "PresenceChanged",
    "QualificationSaved",
    "QualificationView",
    "RankingRow",
    "ResultsFrozen",
    "SettingsChanged",
    "TargetKind",
    "TimerChanged",
    "TimerView",
    "VolunteerCounts",
    "VolunteersChanged",
    "VolunteerView",
    "VoteConfigured",
    "VotePhaseChanged",
    "VoteReopened",
    "VoteResult",
    "VotesChanged",
    "VoteSettings",
    "VoteShown",
    "VotesRevealed",
    "VoteState",
    "WithdrawHelpResult",
    "WorkshopSettings",
    "WorkshopState",
    "WorkshopUpdated",
    "WorkshopView",
]
