"""Test data built through the real services, so every row comes with its events.

Plain functions, in the spirit of Redash's ``tests/factories.py``: each takes keyword
overrides and fills the rest from sequences, so values are unique within a test run.
They must be called inside an application context (as the services are); they
return the ORM objects, which are only usable inside that same context: take the ids
you need (or :func:`ref`) before leaving it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from workshop.models import Facilitator, Idea, Participant, Phase, Workshop
from workshop.phases import PhaseKind
from workshop.schemas import (
    JoinRequest,
    NewFacilitator,
    NewIdea,
    NewWorkshop,
    PhaseTarget,
    SettingsChange,
    VoteSettingsChange,
    VoteTarget,
)
from workshop.services import accounts, agenda, ideas, participants, votes, workshops

PASSWORD = "correct horse battery staple"  # noqa: S105 - test fixture
_seq = itertools.count(1)


def next_seq() -> int:
    return next(_seq)


def client_id() -> str:
    """A fresh idempotency key in the format the phones use."""
    return f"client-{next_seq():08d}"


def make_facilitator(**overrides: Any) -> Facilitator:
    n = next_seq()
    new = NewFacilitator(
        email=overrides.pop("email", f"facilitator{n}@example.org"),
        name=overrides.pop("name", f"Facilitator {n}"),
        password=overrides.pop("password", PASSWORD),
    )
    assert not overrides, f"unknown overrides {overrides}"
    return accounts.create_facilitator(new)


def make_workshop(**overrides: Any) -> Workshop:
    """A workshop, opened and in its ideas phase unless told otherwise.

    Overrides: ``owner`` (a facilitator), ``title``, ``format``, ``question``,
    ``territory``, ``status`` ("draft", "open" or "closed"), ``phase`` (a phase kind,
    or ``None`` to stay on the first one), ``anonymous``, ``moderation``.
    """
    owner = overrides.pop("owner", None) or make_facilitator()
    status = overrides.pop("status", "open")
    phase = overrides.pop("phase", PhaseKind.IDEAS)
    settings = SettingsChange(
        anonymous=overrides.pop("anonymous", None), moderation=overrides.pop("moderation", None)
    )
    new = NewWorkshop(
        title=overrides.pop("title", f"Workshop {next_seq()}"),
        format=overrides.pop("format", "marathon"),
        question=overrides.pop("question", "How might we eat better together?"),
        territory=overrides.pop("territory", "Cœur des Bauges"),
    )
    assert not overrides, f"unknown overrides {overrides}"
    workshop = workshops.create_workshop(new, owner)
    if settings != SettingsChange():
        workshops.update_settings(workshop.id, owner, settings)
    if status in ("open", "closed"):
        agenda.open_workshop(workshop.id, owner)
        if phase is not None:
            target = next(p for p in workshop.phases if p.kind == phase)
            agenda.advance_phase(workshop.id, owner, PhaseTarget(phase_id=target.id))
    if status == "closed":
        agenda.close_workshop(workshop.id, owner)
    return workshop


def make_participant(workshop: Workshop, **overrides: Any) -> Participant:
    participant, _token = join_with_token(workshop, **overrides)
    return participant


def join_with_token(workshop: Workshop, **overrides: Any) -> tuple[Participant, str]:
    """Join ``workshop`` through the service; returns the participant and its raw token."""
    request = JoinRequest(
        display_name=overrides.pop("display_name", f"Person {next_seq()}"),
        profile=overrides.pop("profile", "citizen"),
    )
    assert not overrides, f"unknown overrides {overrides}"
    return participants.join(workshop.id, request)


def make_idea(workshop: Workshop, participant: Participant | None = None, **overrides: Any) -> Idea:
    participant = participant or make_participant(workshop)
    new = NewIdea(
        client_id=overrides.pop("client_id", None) or client_id(),
        title=overrides.pop("title", f"Idea {next_seq()}"),
        description=overrides.pop("description", "A shared fridge near the town hall."),
        need=overrides.pop("need", ""),
    )
    assert not overrides, f"unknown overrides {overrides}"
    idea, _created = ideas.post_idea(workshop.id, participant.id, new)
    return idea


@dataclass(frozen=True)
class WorkshopRef:
    """What a test keeps about a workshop once the app context that made it is gone."""

    id: int
    code: str
    screen_key: str
    owner_email: str
    phase_ids: tuple[int, ...]


def ref(workshop: Workshop) -> WorkshopRef:
    return WorkshopRef(
        id=workshop.id,
        code=workshop.code,
        screen_key=workshop.screen_key,
        owner_email=workshop.owner.email,
        phase_ids=tuple(p.id for p in workshop.phases),
    )


# ----------------------------------------------------------------------- read helpers


def recorded(workshop_id: int) -> list[tuple[int, str]]:
    """The ``(seq, name)`` of every event stored for a workshop, in order."""
    from sqlalchemy import select

    from workshop.extensions import db
    from workshop.models import Event

    rows = db.session.execute(
        select(Event.seq, Event.name).where(Event.workshop_id == workshop_id).order_by(Event.id)
    )
    return [(seq, name) for seq, name in rows]


# ----------------------------------------------------------------------- votes


def vote_phase(workshop: Workshop) -> Phase:
    """The first vote step of ``workshop``'s agenda."""
    return next(p for p in workshop.phases if p.kind == PhaseKind.VOTE)


def enter_vote(workshop: Workshop) -> Phase:
    """Move ``workshop`` to its first vote step (from wherever it is)."""
    phase = vote_phase(workshop)
    agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=phase.id))
    return phase


def configure_vote(workshop: Workshop, **settings: Any) -> Phase:
    """Change vote settings (``VoteSettingsChange`` fields) as the owner."""
    return votes.configure_vote(workshop.id, workshop.owner, VoteSettingsChange(**settings))


def make_vote_workshop(
    ideas: int = 3, vote: dict[str, Any] | None = None, **overrides: Any
) -> tuple[Workshop, list[Idea]]:
    """A workshop in its vote step with ``ideas`` ideas, each by a new participant.

    ``vote`` sets the vote settings first; other overrides go to :func:`make_workshop`
    (whose ideas step the ideas are posted in).
    """
    workshop = make_workshop(**overrides)
    posted = [make_idea(workshop) for _ in range(ideas)]
    enter_vote(workshop)
    if vote:
        configure_vote(workshop, **vote)
    return workshop, posted


def cast(workshop: Workshop, participant: Participant, idea: Idea, count: int = 1) -> Any:
    """Put ``count`` dots on ``idea``; returns the service's answer."""
    return votes.cast_vote(workshop.id, participant.id, VoteTarget(item_id=idea.id, count=count))


def vote_rows(workshop_id: int) -> list[tuple[int, int, int | None, int]]:
    """Every vote of a workshop as ``(phase_id, participant_id, idea_id, count)``."""
    from sqlalchemy import select

    from workshop.extensions import db
    from workshop.models import Vote

    rows = db.session.execute(
        select(Vote.phase_id, Vote.participant_id, Vote.idea_id, Vote.count)
        .where(Vote.workshop_id == workshop_id)
        .order_by(Vote.phase_id, Vote.participant_id, Vote.idea_id)
    )
    return [(phase_id, pid, idea_id, count) for phase_id, pid, idea_id, count in rows]


# ----------------------------------------------------------------------- grouping


def enter_grouping(workshop: Workshop) -> Phase:
    """Move ``workshop`` to its first grouping step (from wherever it is)."""
    phase = next(p for p in workshop.phases if p.kind == PhaseKind.GROUPING)
    agenda.advance_phase(workshop.id, workshop.owner, PhaseTarget(phase_id=phase.id))
    return phase


def make_grouping_workshop(ideas: int = 4, **overrides: Any) -> tuple[Workshop, list[Idea]]:
    """A workshop in its grouping step with ``ideas`` ideas, each by a new participant
    (posted in its ideas step); overrides go to :func:`make_workshop`."""
    workshop = make_workshop(**overrides)
    posted = [make_idea(workshop) for _ in range(ideas)]
    enter_grouping(workshop)
    return workshop, posted


def make_challenge(workshop: Workshop, **overrides: Any) -> Any:
    """A défi of ``workshop``, created by its owner (in a grouping step or a draft)."""
    from workshop.schemas import NewChallenge
    from workshop.services import challenges

    new = NewChallenge(
        title=overrides.pop("title", f"Comment pourrions-nous {next_seq()} ?"),
        description=overrides.pop("description", ""),
    )
    assert not overrides, f"unknown overrides {overrides}"
    return challenges.create_challenge(workshop.id, workshop.owner, new)


def place(workshop: Workshop, idea: Idea, challenge: Any, position: int | None = None) -> Idea:
    """Move ``idea`` into ``challenge`` (``None``: the unclassified ones) as the owner."""
    from workshop.schemas import IdeaMove
    from workshop.services import challenges

    move = IdeaMove(idea.id, None if challenge is None else challenge.id, position)
    return challenges.move_idea(workshop.id, workshop.owner, move)


def placements(workshop_id: int, *, strict: bool = True) -> dict[int | None, list[int]]:
    """The placeable ideas of a workshop by container (``None``: unclassified), in
    stored order. ``strict``: assert that each container's positions are exactly
    0..n-1 (posting or withdrawing an idea may leave a gap until the next renumbering)."""
    from sqlalchemy import select

    from workshop.extensions import db
    from workshop.models import IdeaStatus

    rows = db.session.execute(
        select(Idea.challenge_id, Idea.position, Idea.id)
        .where(
            Idea.workshop_id == workshop_id,
            Idea.status.in_([IdeaStatus.VISIBLE, IdeaStatus.PENDING, IdeaStatus.HIDDEN]),
        )
        .order_by(Idea.position, Idea.id)
    )
    found: dict[int | None, list[tuple[int, int]]] = {}
    for challenge_id, position, idea_id in rows:
        found.setdefault(challenge_id, []).append((position, idea_id))
    for challenge_id, items in found.items():
        if strict:
            assert [p for p, _i in items] == list(range(len(items))), (challenge_id, items)
    return {challenge_id: [i for _p, i in items] for challenge_id, items in found.items()}


@dataclass
class GroupingModel:
    """A client's view of the grouping, kept up to date from facts only: the ordered
    idea ids of each container (``None``: unclassified)."""

    containers: dict[int | None, list[int]]

    @classmethod
    def from_state(cls, grouping: dict[str, Any]) -> GroupingModel:
        """From a snapshot's (or a ``grouping_changed`` fact's) ``grouping``."""
        containers: dict[int | None, list[int]] = {c["id"]: [] for c in grouping["challenges"]}
        containers[None] = []
        for order in grouping["orders"]:
            containers[order["challenge_id"]] = list(order["idea_ids"])
        return cls(containers)

    def move(self, idea_id: int, challenge_id: int | None, position: int | None) -> None:
        """An optimistic local move, as a facilitator's screen shows it at once."""
        for held in self.containers.values():
            if idea_id in held:
                held.remove(idea_id)
        target = self.containers.setdefault(challenge_id, [])
        index = len(target) if position is None else max(0, min(position, len(target)))
        target.insert(index, idea_id)

    def apply(self, name: str, data: dict[str, Any]) -> None:
        if name == "idea_moved":
            for order in data["orders"]:
                ids = set(order["idea_ids"])
                for challenge_id, held in self.containers.items():
                    if challenge_id != order["challenge_id"]:
                        held[:] = [i for i in held if i not in ids]
                self.containers[order["challenge_id"]] = list(order["idea_ids"])
        elif name == "grouping_changed":
            self.containers = GroupingModel.from_state(data["grouping"]).containers
        elif name == "challenge_created":
            self.containers.setdefault(data["challenge"]["id"], [])
        elif name == "ideas_merged":
            for held in self.containers.values():
                if data["merged"]["id"] in held:
                    held.remove(data["merged"]["id"])

    def placed(self) -> dict[int | None, list[int]]:
        """The non-empty containers, as :func:`placements` lists them."""
        return {k: list(v) for k, v in self.containers.items() if v}


def facts_since(workshop_id: int, seq: int, public: bool = False) -> list[tuple[str, Any]]:
    """The stored facts of a workshop after ``seq`` as ``(name, payload)``: the
    facilitators' payloads, or with ``public`` those of participants and screens."""
    from sqlalchemy import select

    from workshop.extensions import db
    from workshop.models import Event

    rows = db.session.scalars(
        select(Event).where(Event.workshop_id == workshop_id, Event.seq > seq).order_by(Event.seq)
    )
    return [
        (row.name, row.public_data if public and row.public_data is not None else row.data)
        for row in rows
    ]
