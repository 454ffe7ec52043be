"""SQLAlchemy models: columns, relationships and invariants only.

Behaviour lives in :mod:`workshop.services`; these classes only describe what is
stored. Enumerated columns store the ``StrEnum`` values as plain strings so a new
value needs no schema migration.

One module per area, every name re-exported here (``from workshop.models import
Workshop``):

* :mod:`.base`: ``utcnow``, the ``UTCDateTime`` column type, ``new_uid``, ``TimestampMixin``;
* :mod:`.accounts`: ``Facilitator``, the ``workshop_facilitators`` table, ``Invitation``;
* :mod:`.workshops`: ``Workshop`` (``WorkshopStatus``), ``Phase``, ``Event``;
* :mod:`.ideas`: ``Participant`` (``Profile``), ``Idea`` (``IdeaStatus``);
* :mod:`.challenges`: ``Challenge``, ``GroupingSnapshot``, ``Vote``;
* :mod:`.follow_up`: ``Qualification`` (``Maturity``, ``Stage``), ``Volunteer``
  (``VolunteerKind``);
* :mod:`.tables`: ``Table``, ``Seat``, ``Contribution``, ``ContributionVote`` (the défi
  tables of an evening);
* :mod:`.portfolio`: ``Fabrique`` (``fabrique_members``), ``ApiToken``, and the portfolio's
  ``PortfolioSession``, ``PortfolioChallenge``, ``PortfolioIdea``, ``PortfolioMergeProposal``
  (``MergeStatus``).
* :mod:`.projects`: the Fabrique's follow-up: ``Project`` (``ProjectKind``, ``Review``),
  ``ProjectEvent``, ``ProjectHolder`` (``HolderKind``); ``Committee`` (``CommitteeKind``),
  ``CommitteeMember``, ``Meeting``, ``MeetingItem`` (``Decision``), ``Grade``,
  ``ItemComment``; ``Candidate`` (``CandidateStatus``), ``Follower``, ``OutboxMail``
  (``MailStatus``); ``IdeaBox``.
* :mod:`.cycles`: cohorts: ``Cycle`` (``CyclePreset``, ``cycle_facilitators``),
  ``Enrolment``, ``CycleProject`` (``ProjectDecision``), ``LogbookEntry``,
  ``FeedbackCard``, ``Juror``, ``JuryGrade``, ``JuryReview``, ``QuestionnaireAnswer``,
  and a room's majority-judgment ``GradeVote``.
"""

from .accounts import Facilitator, Invitation, workshop_facilitators
from .base import TimestampMixin, UTCDateTime, new_uid, utcnow
from .challenges import Challenge, GroupingSnapshot, Vote
from .cycles import (
    Cycle,
    CyclePreset,
    CycleProject,
    Enrolment,
    FeedbackCard,
    GradeVote,
    Juror,
    JuryGrade,
    JuryReview,
    LogbookEntry,
    ProjectDecision,
    QuestionnaireAnswer,
    cycle_facilitators,
)
from .follow_up import Maturity, Qualification, Stage, Volunteer, VolunteerKind
from .ideas import Idea, IdeaStatus, Participant, Profile
from .portfolio import (
    ApiToken,
    Fabrique,
    MergeStatus,
    PortfolioChallenge,
    PortfolioIdea,
    PortfolioMergeProposal,
    PortfolioSession,
    fabrique_members,
)
from .projects import (
    Candidate,
    CandidateStatus,
    Committee,
    CommitteeKind,
    CommitteeMember,
    Decision,
    Follower,
    Grade,
    HolderKind,
    IdeaBox,
    ItemComment,
    MailStatus,
    Meeting,
    MeetingItem,
    OutboxMail,
    Project,
    ProjectEvent,
    ProjectHolder,
    ProjectKind,
    Review,
)
from .tables import (
    DEFAULT_CONTRIBUTION_KINDS,
    Contribution,
    ContributionVote,
    Seat,
    Table,
    default_contribution_kinds,
)
from .workshops import Event, Phase, Workshop, WorkshopStatus

__all__ = [
    "DEFAULT_CONTRIBUTION_KINDS",
    "ApiToken",
    "Candidate",
    "CandidateStatus",
    "Challenge",
    "Committee",
    "CommitteeKind",
    "CommitteeMember",
    "Contribution",
    "ContributionVote",
    "Cycle",
    "CyclePreset",
    "CycleProject",
    "Decision",
    "Enrolment",
    "Event",
    "Fabrique",
    "Facilitator",
    "FeedbackCard",
    "Follower",
    "Grade",
    "GradeVote",
    "GroupingSnapshot",
    "HolderKind",
    "Idea",
    "IdeaBox",
    "IdeaStatus",
    "Invitation",
    "ItemComment",
    "Juror",
    "JuryGrade",
    "JuryReview",
    "LogbookEntry",
    "MailStatus",
    "Maturity",
    "Meeting",
    "MeetingItem",
    "MergeStatus",
    "OutboxMail",
    "Participant",
    "Phase",
    "PortfolioChallenge",
    "PortfolioIdea",
    "PortfolioMergeProposal",
    "PortfolioSession",
    "Profile",
    "Project",
    "ProjectDecision",
    "ProjectEvent",
    "ProjectHolder",
    "ProjectKind",
    "Qualification",
    "QuestionnaireAnswer",
    "Review",
    "Seat",
    "Stage",
    "Table",
    "TimestampMixin",
    "UTCDateTime",
    "Volunteer",
    "VolunteerKind",
    "Vote",
    "Workshop",
    "WorkshopStatus",
    "cycle_facilitators",
    "default_contribution_kinds",
    "fabrique_members",
    "new_uid",
    "utcnow",
    "workshop_facilitators",
]
