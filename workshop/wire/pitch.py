"""The pitch step on the wire (issue #14): the spotlight, the feedback cards and their
public summary, and the facts ``pitch_changed``, ``feedback_given``,
``feedback_changed``.

Phones and screens never get a hidden card, the text of a card nobody selected for the
screen, nor the giver of an anonymous card: only counts and the selected cards
(:class:`PublicCardView`, its ``author`` the giver's name when the cycle signs cards).
Facilitators get every card with its giver (:class:`CardView`), for moderation.
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict


class PublicCardView(TypedDict):
    """A card a facilitator selected for the screen."""

    id: int
    project_id: int
    kind: str
    text: str
    author: str | None  # None: an anonymous card, or its giver's data erased


class CardView(TypedDict):
    """A card as facilitators (and its giver, in the ack) see it."""

    id: int
    project_id: int
    kind: str
    text: str
    signed: bool
    hidden: bool
    selected: bool
    created_at: str | None
    author: NotRequired[str | None]  # facilitators: the giver's name, signed or not
    participant_id: NotRequired[int | None]  # facilitators only


class FeedbackSummary(TypedDict):
    """What everybody sees of a project's cards: visible ones counted by kind, and the
    ones selected for the screen."""

    project_id: int
    counts: dict[str, int]
    selected: list[PublicCardView]


class FeedbackKind(TypedDict):
    key: str
    label: str  # "" : the translated default label of ``key``


class SpotlightProject(TypedDict):
    """The project in the spotlight, as the screen shows it."""

    id: int
    title: str
    pitch: str
    holder: str | None  # the holder's name, only if they chose to show it
    position: int  # 1 for the first project of the cycle's order


class ProjectItem(TypedDict):
    """One project of the cycle in the console's list (facilitators only)."""

    id: int
    title: str
    position: int
    holder: str | None
    show_name: bool


class PitchView(TypedDict):
    """The pitch step's state: the spotlight, the part of the turn, the settings, the
    cycle's feedback kinds and whether cards are signed, every project's summary."""

    project_id: int | None
    part: Literal["pitch", "questions"] | None
    project: SpotlightProject | None
    count: int
    pitch_seconds: int
    questions_seconds: int
    kinds: list[FeedbackKind]
    signed: bool
    feedback: list[FeedbackSummary]
    projects: NotRequired[list[ProjectItem]]  # facilitators only
    cards: NotRequired[list[CardView]]  # facilitators only
    mine: NotRequired[list[int]]  # a phone's snapshot: the projects it holds


class PitchChanged(TypedDict):
    pitch: PitchView


class FeedbackGiven(TypedDict):
    feedback: FeedbackSummary
    card: NotRequired[CardView]  # facilitators only


class FeedbackChanged(TypedDict):
    feedback: FeedbackSummary
    card: NotRequired[CardView]  # facilitators only


class GiveFeedbackResult(TypedDict):
    card: CardView
    created: bool
