"""Views: what :mod:`workshop.schemas.serialize` returns for each model, as a role may
see it (:class:`IdeaView` is the full idea, :class:`IdeaStub` the ``{id, status}`` others
get of an idea they may not see), and the snapshot a client starts from."""

# No ``from __future__ import annotations``: the annotations are evaluated, so that
# ``__required_keys__`` and ``__optional_keys__`` know the ``NotRequired`` keys.
from typing import Literal, NotRequired, TypeAlias, TypedDict

# A qualification sheet's or a volunteer offer's target: a défi or an idea.
TargetKind: TypeAlias = Literal["challenge", "idea"]


class WorkshopView(TypedDict):
    id: int
    code: str
    title: str
    question: str
    territory: str
    date: str | None  # ISO 8601 date
    format: str
    status: str  # WorkshopStatus
    joining_open: bool
    anonymous: bool
    moderation: bool
    participants_group: bool
    participants_qualify: bool
    current_phase_id: int | None


class VoteSettings(TypedDict):
    """A vote phase's settings, its own values over the defaults (``VOTE_DEFAULTS``)."""

    votes_per_participant: int
    max_per_item: int
    target: Literal["ideas", "challenges"]
    allow_own: bool
    hidden: bool
    # "dots" (the default) or "majority": each participant grades every option.
    method: Literal["dots", "majority"]


class RankingRow(TypedDict):
    """One line of a frozen vote's ranking: an idea or a défi (one of the two ids)."""

    idea_id: NotRequired[int]
    challenge_id: NotRequired[int]
    title: str
    votes: int
    rank: int  # ties share a rank ("1, 1, 3")


class PhaseVoteView(TypedDict):
    settings: VoteSettings
    revealed: bool
    frozen: bool
    ranking: list[RankingRow] | None  # once frozen


class PhaseView(TypedDict):
    id: int
    position: int
    kind: str  # PhaseKind
    title: str
    duration_s: int
    can_post: bool
    can_edit: bool
    can_vote: bool
    vote: NotRequired[PhaseVoteView]  # vote phases only


class TimerView(TypedDict):
    """Clients count down locally from ``ends_at`` (epoch milliseconds)."""

    state: Literal["running", "paused", "stopped"]
    duration_ms: int
    ends_at: int | None
    remaining_ms: int | None


class IdeaStub(TypedDict):
    """What a viewer gets of an idea they may not see in full (:mod:`workshop.visibility`)."""

    id: int
    status: str  # IdeaStatus
    merged_into_id: NotRequired[int]  # merged ideas only


class IdeaView(TypedDict):
    """An idea in full; the last three keys go to facilitators only."""

    id: int
    title: str
    description: str
    need: str
    status: str  # IdeaStatus
    created_at: str
    author: str | None  # the pseudonym, unless the workshop hides authors
    version: int
    challenge_id: int | None
    position: int
    merged_into_id: int | None
    participant_id: NotRequired[int | None]
    author_profile: NotRequired[str | None]
    client_id: NotRequired[str]
    # Facilitators only, and only for an imported idea whose file had other columns.
    details: NotRequired[dict[str, str]]


class ChallengeView(TypedDict):
    id: int
    title: str
    description: str
    position: int
    version: int


class ParticipantView(TypedDict):
    """Facilitators only: never the token."""

    id: int
    display_name: str
    profile: str  # Profile
    created_at: str


class QualificationView(TypedDict):
    """A qualification sheet, the same for every role; after the first five keys come
    the sheet's fields (``QUALIFICATION_FIELDS``, a test keeps the two equal)."""

    id: int
    target: TargetKind
    target_id: int
    version: int
    updated_at: str
    need_who: str
    need_where: str
    need_evidence: str
    target_public: str
    solution: str
    existing_offer: str
    partners: str
    economic_potential: str
    potential_holders: str
    next_step: str
    abandon_reason: str
    territory: str
    insee_code: str | None
    maturity: str | None  # Maturity
    stage: str  # Stage


class ContactView(TypedDict):
    name: str | None
    email: str | None
    phone: str | None


class VolunteerView(TypedDict):
    """An offer, for facilitators (with the participant) or its author (without)."""

    id: int
    target: TargetKind
    target_id: int
    kind: str  # VolunteerKind
    consent_contact: bool
    contact: ContactView | None  # only while consent is given
    created_at: str
    participant_id: NotRequired[int]
    display_name: NotRequired[str]


class ContainerOrder(TypedDict):
    """The ideas of a défi (``None``: the unclassified ones), in order."""

    challenge_id: int | None
    idea_ids: list[int]


class GroupingView(TypedDict):
    challenges: list[ChallengeView]
    orders: list[ContainerOrder]


class VoteState(TypedDict):
    """A vote's counts; ``tallies`` (by item id) only where the role may see them."""

    phase_id: int
    target: Literal["ideas", "challenges"]
    voters: int
    votes_cast: int
    tallies: NotRequired[dict[str, int]]


class WorkshopSettings(TypedDict):
    anonymous: bool
    moderation: bool
    participants_group: bool
    participants_qualify: bool
    # Public version, when authors become visible: idea id → author's pseudonym.
    authors: NotRequired[dict[str, str]]


class VolunteerCounts(TypedDict):
    """Offers on one target: counts by kind for everybody, the offers for facilitators."""

    target: TargetKind
    target_id: int
    counts: dict[str, int]  # VolunteerKind → count
    volunteers: NotRequired[list[VolunteerView]]


class MeView(TypedDict):
    """A participant's own state in a snapshot: their ideas, dots and offers."""

    id: int
    display_name: str
    profile: str
    idea_ids: list[int]
    votes: dict[str, dict[str, int]]  # phase id → item id → dots
    volunteers: list[VolunteerView]


class WorkshopState(TypedDict):
    """``workshop_state``: the snapshot a client starts from (the ``join_workshop`` ack's
    data, built by :func:`workshop.services.snapshot.build_state`), as its role sees it."""

    seq: int
    role: str  # Role
    workshop: WorkshopView
    phases: list[PhaseView]
    timer: TimerView
    ideas: list[IdeaView | IdeaStub]
    participant_count: int
    grouping: GroupingView
    qualifications: list[QualificationView]
    volunteers: list[VolunteerCounts]
    votes: dict[str, VoteState]  # by vote phase id
    participants: NotRequired[list[ParticipantView]]  # facilitators only
    me: NotRequired[MeView]  # participants only
